//! One `db.query` span per SQL statement (O4), made from sea-orm's per-statement callback when traces are exported.
//! The statement's text is sea-orm's, with its placeholders (`$1`, `?`): the bound values (e-mails, names, tokens)
//! are never read (S12).

use std::time::SystemTime;

use opentelemetry::global::BoxedTracer;
use opentelemetry::trace::{Span as _, SpanKind, Status, TraceContextExt as _, Tracer as _};
use opentelemetry::{Context, KeyValue};

/// Characters of a statement kept in `db.statement`; a longer one is cut (on a character boundary).
pub(crate) const MAX_STATEMENT_CHARS: usize = 2_000;

/// Makes the `db.query` spans of one pool.
#[derive(Debug)]
pub(crate) struct QuerySpans {
    tracer: BoxedTracer,
    /// `db.system`: `postgresql` or `sqlite`.
    system: &'static str,
}

impl QuerySpans {
    /// Spans made through the global tracer provider (installed by the server's telemetry before the pool opens).
    pub(crate) fn new(system: &'static str) -> Self {
        Self { tracer: opentelemetry::global::tracer("seeg-adapters-postgres"), system }
    }

    /// A finished span for the statement sea-orm just ran: a child of the current OpenTelemetry context (the
    /// entered tracing span: a use case, a handler), started `elapsed` ago, an error when the statement failed.
    /// Nothing when no span is current (the relay's polling, start-up): those would each be a trace of their own.
    pub(crate) fn record(&self, info: &sea_orm::metric::Info<'_>) {
        let parent = Context::current();
        if !parent.has_active_span() {
            return;
        }
        // Span timestamps are the wall clock every exported span uses, not the application's time (the Clock).
        #[allow(clippy::disallowed_methods)]
        let now = SystemTime::now();
        let sql = info.statement.sql.as_str();
        let mut span = self
            .tracer
            .span_builder("db.query")
            .with_kind(SpanKind::Client)
            .with_start_time(now.checked_sub(info.elapsed).unwrap_or(now))
            .with_attributes([
                KeyValue::new("db.system", self.system),
                KeyValue::new("db.operation", operation(sql)),
                KeyValue::new("db.statement", bounded(sql).to_owned()),
            ])
            .start_with_context(&self.tracer, &parent);
        if info.failed {
            span.set_status(Status::error("statement failed"));
        }
        span.end_with_timestamp(now);
    }
}

/// The statement's first keyword, upper case (`SELECT`, `INSERT`, `WITH`…); `OTHER` when it starts otherwise.
fn operation(sql: &str) -> String {
    let keyword: String = sql.trim_start().chars().take_while(char::is_ascii_alphabetic).take(16).collect();
    if keyword.is_empty() { "OTHER".to_owned() } else { keyword.to_ascii_uppercase() }
}

/// `sql` cut to `MAX_STATEMENT_CHARS` characters.
fn bounded(sql: &str) -> &str {
    sql.char_indices().nth(MAX_STATEMENT_CHARS).map_or(sql, |(end, _)| &sql[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_operation_is_the_first_keyword_and_the_statement_is_bounded() {
        assert_eq!(operation("  select * from users where email = $1"), "SELECT");
        assert_eq!(operation("WITH x AS (SELECT 1) SELECT * FROM x"), "WITH");
        assert_eq!(operation("(SELECT 1)"), "OTHER");
        let long = "é".repeat(MAX_STATEMENT_CHARS + 10);
        assert_eq!(bounded(&long).chars().count(), MAX_STATEMENT_CHARS);
        assert_eq!(bounded("SELECT 1"), "SELECT 1");
    }
}
