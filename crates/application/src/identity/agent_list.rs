//! Reading an employees list file (CSV) into agents: pure, so every rule is unit-tested here.
//!
//! The files come from HR spreadsheets: legacy ones have the headers `Matricule`, `Nom ` (trailing space) and
//! `Prénom`, `;` as separator (a French Excel) or `,`, and a UTF-8 byte order mark. Headers are therefore matched
//! with case, accents and surrounding spaces ignored, and the separator is taken from the header line. A bad line
//! is reported with its line number and skipped; only a file whose header cannot be read is refused whole.

use std::collections::HashMap;
use std::fmt;

use csv::{ByteRecord, ReaderBuilder, Trim};
use seeg_domain::identity::{Matricule, MatriculeError, PersonName, PersonNameError};
use seeg_domain::search::fold;

use super::Agent;

const BYTE_ORDER_MARK: &[u8] = b"\xEF\xBB\xBF";

/// A column the file must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentColumn {
    /// `matricule`: the employee number.
    Matricule,
    /// `nom`.
    LastName,
    /// `prénom`.
    FirstName,
}

impl AgentColumn {
    /// The three columns, in the order messages name them.
    pub const ALL: [Self; 3] = [Self::Matricule, Self::LastName, Self::FirstName];

    /// The header as `search::fold` leaves it, whatever its case, accents or surrounding spaces.
    const fn folded(self) -> &'static str {
        match self {
            Self::Matricule => "matricule",
            Self::LastName => "nom",
            Self::FirstName => "prenom",
        }
    }
}

impl fmt::Display for AgentColumn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Matricule => "matricule",
            Self::LastName => "nom",
            Self::FirstName => "prénom",
        })
    }
}

/// Why a file was refused whole (nothing can be imported from it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgentListError {
    /// The file has no header line (or only empty headers).
    #[error("le fichier est vide")]
    Empty,
    /// The header lacks one or more of the three columns.
    #[error(
        "l'en-tête n'a pas de colonne {missing} (colonnes attendues : matricule, nom, prénom ; \
         séparateur « , » ou « ; »)"
    )]
    MissingColumns {
        /// The missing columns, comma-separated.
        missing: String,
    },
    /// The header is not UTF-8.
    #[error("l'en-tête n'est pas en UTF-8 : enregistrez le fichier en UTF-8")]
    NotUtf8,
    /// The CSV reader could not read the header.
    #[error("en-tête illisible ({0})")]
    Unreadable(String),
}

/// Why a line was skipped. Messages never repeat the line's values (names and matricules are personal data).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgentLineError {
    /// The line is too short to hold this column.
    #[error("colonne {0} manquante")]
    MissingColumn(AgentColumn),
    /// The matricule cell is blank.
    #[error("matricule vide")]
    EmptyMatricule,
    /// The matricule is not a whole number.
    #[error("matricule non numérique")]
    NotNumeric,
    /// The matricule is zero, negative or too large.
    #[error(transparent)]
    Matricule(#[from] MatriculeError),
    /// A name breaks the `PersonName` rules.
    #[error("{column} : {error}")]
    Name {
        /// Which of the two name columns.
        column: AgentColumn,
        /// The rule it breaks.
        error: PersonNameError,
    },
    /// The line is not UTF-8.
    #[error("texte non UTF-8 (enregistrez le fichier en UTF-8)")]
    NotUtf8,
    /// The CSV reader could not read the line.
    #[error("ligne illisible ({0})")]
    Unreadable(String),
}

/// A skipped line: its number in the file (the header is line 1) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedLine {
    /// Its line number in the file (the header is line 1).
    pub line: u64,
    /// Why it was skipped.
    pub reason: AgentLineError,
}

/// What a file yields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AgentList {
    /// One per matricule, in the order of first appearance; a later line with the same matricule replaced the
    /// earlier one (the legacy seeding upserted line by line, so the last line won there too).
    pub agents: Vec<Agent>,
    /// The skipped lines, in file order.
    pub rejected: Vec<RejectedLine>,
    /// Data lines read: the header and blank lines are not counted.
    pub lines_read: u64,
    /// Lines whose matricule an earlier line already had.
    pub repeated: u64,
}

impl AgentList {
    /// Reads a CSV file: UTF-8 with or without a byte order mark, `,` or `;` separated, a header naming the
    /// columns `matricule`, `nom` and `prenom` in any order (other columns are ignored).
    pub fn from_csv(bytes: &[u8]) -> Result<Self, AgentListError> {
        let bytes = bytes.strip_prefix(BYTE_ORDER_MARK).unwrap_or(bytes);
        let mut reader = ReaderBuilder::new()
            .delimiter(separator(bytes))
            .has_headers(true)
            .flexible(true)
            .trim(Trim::All)
            .from_reader(bytes);
        let header = reader.byte_headers().map_err(|e| AgentListError::Unreadable(e.to_string()))?;
        let positions = column_positions(header)?;

        let mut list = Self::default();
        let mut index_of: HashMap<i32, usize> = HashMap::new();
        let mut lines = LineCounter::new(bytes);
        let mut record = ByteRecord::new();
        loop {
            let line = match reader.read_byte_record(&mut record) {
                Ok(false) => break,
                Ok(true) => lines.line_at(record.position()),
                Err(error) => {
                    let line = lines.line_at(error.position());
                    list.lines_read += 1;
                    list.rejected.push(RejectedLine { line, reason: AgentLineError::Unreadable(error.to_string()) });
                    continue;
                }
            };
            // Spreadsheets leave rows of bare separators at the end: blank lines, not bad ones.
            if record.iter().all(<[u8]>::is_empty) {
                continue;
            }
            list.lines_read += 1;
            match agent(&record, positions) {
                Ok(agent) => {
                    if let Some(&index) = index_of.get(&agent.matricule) {
                        list.agents[index] = agent;
                        list.repeated += 1;
                    } else {
                        index_of.insert(agent.matricule, list.agents.len());
                        list.agents.push(agent);
                    }
                }
                Err(reason) => list.rejected.push(RejectedLine { line, reason }),
            }
        }
        Ok(list)
    }
}

/// Line numbers as an editor shows them. csv's own `Position::line` is taken before the blank lines it skips, so
/// a record after a blank line would be reported one line early; this counts from the record's first byte.
struct LineCounter<'a> {
    bytes: &'a [u8],
    offset: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, offset: 0, line: 1 }
    }

    /// The line of the record read at `position` (positions only move forward).
    #[allow(clippy::naive_bytecount)] // a few lines at a time: a byte-counting crate would buy nothing
    fn line_at(&mut self, position: Option<&csv::Position>) -> u64 {
        let Some(position) = position else { return self.line };
        let mut start = usize::try_from(position.byte()).unwrap_or(usize::MAX).clamp(self.offset, self.bytes.len());
        while self.bytes.get(start).is_some_and(|b| matches!(b, b'\n' | b'\r')) {
            start += 1;
        }
        self.line += self.bytes[self.offset..start].iter().filter(|b| **b == b'\n').count() as u64;
        self.offset = start;
        self.line
    }
}

/// `;` when the header line has more of them than commas (a French spreadsheet), `,` otherwise.
#[allow(clippy::naive_bytecount)] // one short line: a byte-counting crate would buy nothing
fn separator(bytes: &[u8]) -> u8 {
    let header = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    let count = |wanted: u8| header.iter().filter(|b| **b == wanted).count();
    if count(b';') > count(b',') { b';' } else { b',' }
}

/// Where each column is in a line; the first header that matches wins.
type Positions = [usize; 3];

fn column_positions(header: &ByteRecord) -> Result<Positions, AgentListError> {
    if header.iter().all(<[u8]>::is_empty) {
        return Err(AgentListError::Empty);
    }
    let names = header
        .iter()
        .map(|name| std::str::from_utf8(name).map(fold).map_err(|_| AgentListError::NotUtf8))
        .collect::<Result<Vec<String>, _>>()?;
    let found = AgentColumn::ALL.map(|column| names.iter().position(|name| name == column.folded()));
    let missing: Vec<String> = AgentColumn::ALL
        .iter()
        .zip(found)
        .filter(|(_, at)| at.is_none())
        .map(|(column, _)| column.to_string())
        .collect();
    match found {
        [Some(matricule), Some(last_name), Some(first_name)] => Ok([matricule, last_name, first_name]),
        _ => Err(AgentListError::MissingColumns { missing: missing.join(", ") }),
    }
}

fn agent(record: &ByteRecord, [matricule_at, last_name_at, first_name_at]: Positions) -> Result<Agent, AgentLineError> {
    let field = |at: usize, column: AgentColumn| -> Result<&str, AgentLineError> {
        let bytes = record.get(at).ok_or(AgentLineError::MissingColumn(column))?;
        std::str::from_utf8(bytes).map_err(|_| AgentLineError::NotUtf8)
    };
    let matricule = matricule(field(matricule_at, AgentColumn::Matricule)?)?;
    let last_name = name(field(last_name_at, AgentColumn::LastName)?, AgentColumn::LastName)?;
    let first_name = name(field(first_name_at, AgentColumn::FirstName)?, AgentColumn::FirstName)?;
    Ok(Agent { matricule, last_name, first_name })
}

/// A whole number, positive, that fits the `integer` column (legacy rows with a non-numeric matricule were
/// skipped too).
fn matricule(raw: &str) -> Result<i32, AgentLineError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(AgentLineError::EmptyMatricule);
    }
    let digits = raw.strip_prefix(['+', '-']).unwrap_or(raw);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AgentLineError::NotNumeric);
    }
    // Only an overflow fails now; its sign still decides which rule it breaks.
    let value = raw.parse::<i64>().unwrap_or(if raw.starts_with('-') { i64::MIN } else { i64::MAX });
    Ok(Matricule::parse_i64(value)?.value())
}

/// A blank name is absent (the legacy columns are nullable); any other must be a valid `PersonName`.
fn name(raw: &str, column: AgentColumn) -> Result<Option<String>, AgentLineError> {
    if raw.trim().is_empty() {
        return Ok(None);
    }
    PersonName::parse(raw)
        .map(|name| Some(name.as_str().to_owned()))
        .map_err(|error| AgentLineError::Name { column, error })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(matricule: i32, last_name: &str, first_name: &str) -> Agent {
        let name = |n: &str| (!n.is_empty()).then(|| n.to_owned());
        Agent { matricule, last_name: name(last_name), first_name: name(first_name) }
    }

    fn parse(text: &str) -> AgentList {
        AgentList::from_csv(text.as_bytes()).unwrap()
    }

    fn rejected(list: &AgentList) -> Vec<(u64, String)> {
        list.rejected.iter().map(|r| (r.line, r.reason.to_string())).collect()
    }

    #[test]
    fn a_legacy_file_reads_bom_semicolons_crlf_and_loose_headers_included() {
        let bytes =
            b"\xEF\xBB\xBFMatricule;Nom ;Pr\xC3\xA9nom\r\n1001;MBA;Aw\xC3\xA2\r\n 1002 ; Ndong Obiang ; Jean-Luc \r\n";
        let list = AgentList::from_csv(bytes).unwrap();
        assert_eq!(list.agents, [agent(1001, "MBA", "Awâ"), agent(1002, "Ndong Obiang", "Jean-Luc")]);
        assert_eq!((list.lines_read, list.repeated), (2, 0));
        assert!(list.rejected.is_empty());
    }

    #[test]
    fn commas_any_column_order_any_case_and_extra_columns_work_too() {
        let list =
            parse("Service,PRENOM,matricule,NÔM\nDSI,Awa,7,Mba\n\"Eau, Libreville\",\"Marie, Ève\",8,\"Obame\"\n");
        assert_eq!(list.agents, [agent(7, "Mba", "Awa"), agent(8, "Obame", "Marie, Ève")]);
    }

    #[test]
    fn the_separator_is_the_one_the_header_line_uses_most() {
        assert_eq!(separator(b"matricule;nom;prenom\n1,2,3,4,5"), b';');
        assert_eq!(separator(b"matricule,nom,prenom\n1;2;3;4;5"), b',');
        assert_eq!(separator(b"matricule"), b',');
    }

    #[test]
    fn bad_lines_are_reported_with_their_line_number_and_skipped() {
        let text = "matricule;nom;prenom\n\
                    12;Mba;Awa\n\
                    abc;Mba;Awa\n\
                    \n\
                    0;Mba;Awa\n\
                    -4;Mba;Awa\n\
                    99999999999;Mba;Awa\n\
                    ;Mba;Awa\n\
                    13;Mba\n\
                    1.5;Mba;Awa\n\
                    14;;\n";
        let list = parse(text);
        assert_eq!(list.agents, [agent(12, "Mba", "Awa"), agent(14, "", "")], "blank names are absent");
        assert_eq!(
            rejected(&list),
            [
                (3, "matricule non numérique".to_owned()),
                (5, "Le matricule doit être un nombre entier positif".to_owned()),
                (6, "Le matricule doit être un nombre entier positif".to_owned()),
                (7, "Le matricule ne peut pas dépasser 2147483647".to_owned()),
                (8, "matricule vide".to_owned()),
                (9, "colonne prénom manquante".to_owned()),
                (10, "matricule non numérique".to_owned()),
            ]
        );
        assert_eq!(list.lines_read, 9, "the header and the blank line are not data lines");
    }

    #[test]
    fn line_numbers_count_blank_lines_crlf_and_quoted_line_breaks() {
        let list = parse("matricule;nom;prenom\r\n\r\n\r\nx;A;B\r\n1;A;B\r\n\r\ny;A;B\n2;\"A\nB\";C\nz;A;B\n");
        let lines: Vec<u64> = list.rejected.iter().map(|r| r.line).collect();
        assert_eq!(lines, [4, 7, 8, 10]);
    }

    #[test]
    fn huge_numbers_break_the_rule_of_their_sign() {
        assert_eq!(matricule("-99999999999999999999"), Err(MatriculeError::NotPositive.into()));
        assert_eq!(matricule("99999999999999999999"), Err(MatriculeError::TooLarge.into()));
        assert_eq!(matricule("+0042"), Ok(42));
        assert_eq!(matricule("-"), Err(AgentLineError::NotNumeric));
        assert_eq!(matricule("1 000"), Err(AgentLineError::NotNumeric));
    }

    #[test]
    fn rows_of_bare_separators_are_blank_lines() {
        let list = parse("matricule;nom;prenom\n5;A;B\n;;\n ; ; \n");
        assert_eq!((list.agents.len(), list.lines_read), (1, 1));
        assert!(list.rejected.is_empty());
    }

    #[test]
    fn names_obey_the_person_name_rules() {
        let long = "é".repeat(PersonName::MAX_CHARS + 1);
        let list = parse(&format!("matricule,nom,prenom\n1,{long},Awa\n2,Mba,\"Awa\tNdong\"\n"));
        assert!(list.agents.is_empty());
        assert_eq!(
            rejected(&list),
            [
                (2, "nom : Le nom dépasse 100 caractères".to_owned()),
                (3, "prénom : Le nom contient un caractère de contrôle".to_owned())
            ]
        );
    }

    #[test]
    fn a_repeated_matricule_keeps_its_first_place_and_its_last_values() {
        let list = parse("matricule,nom,prenom\n1,Mba,Awa\n2,Obame,Paul\n1,Mba Ondo,Awa\n");
        assert_eq!(list.agents, [agent(1, "Mba Ondo", "Awa"), agent(2, "Obame", "Paul")]);
        assert_eq!((list.lines_read, list.repeated), (3, 1));
    }

    #[test]
    fn text_that_is_not_utf8_is_refused_line_by_line_or_whole_in_the_header() {
        let list = AgentList::from_csv(b"matricule;nom;prenom\n1;Mba;Aw\xE2\n2;Obame;Paul\n").unwrap();
        assert_eq!(list.agents, [agent(2, "Obame", "Paul")]);
        assert_eq!(rejected(&list), [(2, "texte non UTF-8 (enregistrez le fichier en UTF-8)".to_owned())]);
        assert_eq!(AgentList::from_csv(b"Matricule;Nom;Pr\xE9nom\n1;Mba;Awa\n"), Err(AgentListError::NotUtf8));
    }

    #[test]
    fn a_header_without_the_three_columns_refuses_the_file() {
        let error = AgentList::from_csv(b"Matricule;Noms;Service\n1;Mba;DSI\n").unwrap_err();
        assert_eq!(error, AgentListError::MissingColumns { missing: "nom, prénom".to_owned() });
        assert!(error.to_string().starts_with("l'en-tête n'a pas de colonne nom, prénom"), "{error}");
        for empty in [&b""[..], b"\xEF\xBB\xBF", b"\n\n", b";;\n1;2;3\n"] {
            assert_eq!(AgentList::from_csv(empty), Err(AgentListError::Empty), "{empty:?}");
        }
    }

    #[test]
    fn a_header_alone_is_an_empty_list() {
        assert_eq!(parse("matricule,nom,prenom\n"), AgentList::default());
    }
}
