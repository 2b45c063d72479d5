use clap::Parser as _;
use seeg_server::cli::{Cli, run};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    // `.env` is a layer of its own (DESIGN.md "Configuration"); a missing file is fine.
    let _ = dotenvy::dotenv();
    match run(Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("seeg : {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
