//! The process's Prometheus recorder (`metrics` facade → text exposition), installed once per process, its
//! histograms drained on a timer between scrapes. `scrape` serves what it renders.

use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

/// Request durations' buckets, in seconds: from a cached read (~1 ms) to a slow upload.
const DURATION_BUCKETS: [f64; 14] =
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// How often the recorder's histograms are drained between scrapes, so their memory stays bounded.
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// The process's recorder: one per process, installed by the first `MetricsExporter::install`.
static RECORDER: OnceLock<PrometheusHandle> = OnceLock::new();

/// Renders what the process recorded. Clones share the one recorder.
#[derive(Clone)]
pub struct MetricsExporter {
    handle: PrometheusHandle,
}

impl std::fmt::Debug for MetricsExporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsExporter").finish_non_exhaustive()
    }
}

impl MetricsExporter {
    /// Installs the Prometheus recorder as the process's `metrics` recorder, the first time; later calls (several
    /// servers in one test process) share it.
    pub fn install() -> Self {
        let handle = RECORDER.get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_duration_seconds".into()), &DURATION_BUCKETS)
                .unwrap_or_else(|_| PrometheusBuilder::new());
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("un autre enregistreur de métriques est déjà installé : /monitoring/metrics sera vide");
            }
            // The histograms keep their samples until drained: drained here between scrapes, for the process's
            // life (one thread, whatever runtimes come and go, as the recorder itself).
            let drained = handle.clone();
            let upkeep = std::thread::Builder::new().name("metrics-upkeep".into()).spawn(move || {
                loop {
                    std::thread::sleep(UPKEEP_INTERVAL);
                    drained.run_upkeep();
                }
            });
            if let Err(error) = upkeep {
                tracing::warn!(%error, "fil d'entretien des métriques non démarré");
            }
            handle
        });
        Self { handle: handle.clone() }
    }

    pub(crate) fn render(&self) -> String {
        self.handle.render()
    }
}
