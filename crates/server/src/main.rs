use clap::Parser as _;
use seeg_server::cli::{Cli, Command, run};

fn main() -> std::process::ExitCode {
    // `seeg inspect-pdf` is spawned by the server's PDF inspector, with an empty environment: it reads documents
    // on its standard input and nothing else (no `.env`, settings, telemetry or runtime).
    if let Some(Command::InspectPdf) = Cli::parse().command {
        return seeg_adapters_pdf::inspect_stdin();
    }
    // `.env` is a layer of its own (DESIGN.md "Configuration"); a missing file is fine. The arguments are parsed
    // again once it is read: it may name the configuration folder (SEEG_CONFIG_DIR).
    let _ = dotenvy::dotenv();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("seeg : {error:#}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("seeg : {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
