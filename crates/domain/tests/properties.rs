//! Property tests of the domain's parsers and rules: whatever a client sends, a parser answers (never panics),
//! what it accepts obeys the type's invariants and parses again to itself, what the rules call valid is
//! accepted, and one step past a limit is refused with the error naming that limit. The status machine is
//! checked against I5 as written in `docs/decisions.md`, one move at a time and along random sequences of moves.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // tests fail loudly

use chrono::{Datelike as _, NaiveDate, NaiveTime, Timelike as _};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::Config;
use seeg_domain::applications::{
    ACTIVE_NAMES, ApplicationStatus, DocumentLimits, DocumentProblem, MAX_ANSWER_CHARS, MtpAnswers, MtpAnswersError,
    PdfScan, StatusActor,
};
use seeg_domain::evaluations::Score;
use seeg_domain::identity::{
    DateOfBirth, DateOfBirthError, EmailAddress, EmailAddressError, Matricule, MatriculeError, Password, PasswordRule,
    PersonName, PersonNameError, Phone, PhoneError,
};
use seeg_domain::interviews::{DATE_FORMAT, SlotFieldError, TIME_FORMAT, parse_date, parse_time};
use seeg_domain::offers::{MtpFamily, MtpQuestions, MtpQuestionsError};

/// 256 cases (proptest's default), and no regression file written into the source tree: a failure prints its
/// minimal input, which then becomes a unit test next to the code it breaks.
fn config() -> Config {
    Config { cases: 256, failure_persistence: None, ..Config::default() }
}

/// Any text a client may send: any characters, often ASCII, with white space and control characters.
fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), "[ -~\t\n\r\u{0}\u{7f}\u{85}\u{a0}é@.]{0,80}", "\\PC{0,300}"]
}

/// Inserts `c` at a character boundary of `s` strictly inside it (so trimming cannot remove it).
fn insert_inside(s: &str, at: prop::sample::Index, c: char) -> String {
    let boundaries: Vec<usize> = s.char_indices().map(|(i, _)| i).skip(1).collect();
    let i = boundaries[at.index(boundaries.len())];
    format!("{}{c}{}", &s[..i], &s[i..])
}

// ---------------------------------------------------------------------------------------------------------
// E-mail addresses
// ---------------------------------------------------------------------------------------------------------

/// A local part as the type documents it: atoms of letters, digits and `LOCAL_SYMBOLS`, joined by single dots.
fn local_part() -> impl Strategy<Value = String> {
    prop::collection::vec("[a-z0-9é!#$%&'*+/=?^_`{|}~-]{1,12}", 1..4)
        .prop_map(|atoms| atoms.join("."))
        .prop_filter("local part limit", |l| l.chars().count() <= EmailAddress::MAX_LOCAL_CHARS)
}

/// A domain label: letters and digits, inner hyphens.
fn label() -> impl Strategy<Value = String> {
    prop_oneof!["[a-z0-9]", "[a-z0-9][a-z0-9-]{0,20}[a-z0-9]"]
}

fn domain() -> impl Strategy<Value = String> {
    prop::collection::vec(label(), 2..5).prop_map(|labels| labels.join("."))
}

/// Every white space or control character of the first planes (the ones Unicode defines are all there).
fn white_space_and_controls() -> Vec<char> {
    (0..=0x3000).filter_map(char::from_u32).filter(|c| c.is_whitespace() || c.is_control()).collect()
}

fn valid_email() -> impl Strategy<Value = String> {
    (local_part(), domain()).prop_map(|(local, domain)| format!("{local}@{domain}"))
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn an_email_address_parses_to_its_invariants_or_is_refused(raw in any_text()) {
        if let Ok(email) = EmailAddress::parse(&raw) {
            let value = email.as_str();
            prop_assert_eq!(value, value.trim());
            prop_assert_eq!(value, value.to_lowercase());
            prop_assert!(value.chars().count() <= EmailAddress::MAX_CHARS);
            prop_assert!(!value.chars().any(|c| c.is_whitespace() || c.is_control()));
            prop_assert_eq!(value.matches('@').count(), 1);
            let (local, domain) = value.split_once('@').unwrap();
            prop_assert_eq!(email.domain(), domain);
            prop_assert!(!local.is_empty() && local.chars().count() <= EmailAddress::MAX_LOCAL_CHARS);
            prop_assert!(!local.starts_with('.') && !local.ends_with('.') && !local.contains(".."));
            prop_assert!(domain.contains('.'));
            for label in domain.split('.') {
                prop_assert!(!label.is_empty() && label.chars().count() <= EmailAddress::MAX_LABEL_CHARS);
                prop_assert!(!label.starts_with('-') && !label.ends_with('-'));
            }
            prop_assert_eq!(email.to_string(), value);
            prop_assert_eq!(EmailAddress::parse(value), Ok(email.clone()), "parsing is idempotent");
        }
    }

    #[test]
    fn a_valid_email_address_is_accepted_whatever_its_case_and_surrounding_space(
        raw in valid_email(),
        pad in "[ \t\n]{0,3}",
    ) {
        let email = EmailAddress::parse(&raw).unwrap();
        prop_assert_eq!(email.as_str(), raw.as_str());
        let shouted = format!("{pad}{}{pad}", raw.to_uppercase());
        prop_assert_eq!(EmailAddress::parse(&shouted), Ok(email));
    }

    #[test]
    fn white_space_control_characters_or_a_second_at_sign_inside_an_address_are_refused(
        raw in valid_email(),
        at in any::<prop::sample::Index>(),
        forbidden in select(white_space_and_controls()),
    ) {
        let with_forbidden = insert_inside(&raw, at, forbidden);
        prop_assert_eq!(EmailAddress::parse(&with_forbidden), Err(EmailAddressError::ForbiddenCharacter));
        let with_second_at = insert_inside(&raw, at, '@');
        prop_assert_eq!(EmailAddress::parse(&with_second_at), Err(EmailAddressError::AtSign));
    }

    #[test]
    fn one_character_past_an_email_limit_is_refused_with_that_limit(
        extra in 1..=20usize,
        domain in domain(),
    ) {
        let local = "a".repeat(EmailAddress::MAX_LOCAL_CHARS + extra);
        prop_assert_eq!(
            EmailAddress::parse(&format!("{local}@{domain}")),
            Err(EmailAddressError::LocalPartTooLong)
        );
        let long_label = "d".repeat(EmailAddress::MAX_LABEL_CHARS + extra);
        prop_assert_eq!(
            EmailAddress::parse(&format!("a@{long_label}.{domain}")),
            Err(EmailAddressError::InvalidDomain)
        );
        // Labels at their own limit, as many as it takes to pass the whole address's.
        let full_label = "d".repeat(EmailAddress::MAX_LABEL_CHARS);
        let mut long = format!("a@{domain}");
        while long.chars().count() <= EmailAddress::MAX_CHARS {
            long = format!("{long}.{full_label}");
        }
        prop_assert_eq!(EmailAddress::parse(&long), Err(EmailAddressError::TooLong));
    }
}

// ---------------------------------------------------------------------------------------------------------
// Names, phones, matricules
// ---------------------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config())]

    #[test]
    fn a_name_is_trimmed_bounded_and_free_of_control_characters_or_refused_with_the_first_reason(raw in any_text()) {
        let trimmed = raw.trim();
        let expected = if trimmed.is_empty() {
            Err(PersonNameError::Empty)
        } else if trimmed.chars().count() > PersonName::MAX_CHARS {
            Err(PersonNameError::TooLong)
        } else if trimmed.chars().any(char::is_control) {
            Err(PersonNameError::ControlCharacter)
        } else {
            Ok(trimmed.to_owned())
        };
        let parsed = PersonName::parse(&raw);
        prop_assert_eq!(parsed.as_ref().map(|n| n.as_str().to_owned()).map_err(Clone::clone), expected);
        if let Ok(name) = parsed {
            prop_assert_eq!(PersonName::parse(name.as_str()), Ok(name.clone()), "parsing is idempotent");
        }
    }

    #[test]
    fn names_up_to_the_limit_are_kept_as_typed_and_one_more_character_is_too_long(
        name in "\\p{L}[\\p{L}' -]{0,98}\\p{L}|\\p{L}",
        pad in "[ \t]{0,3}",
        extra in "\\p{L}{1,5}",
    ) {
        let parsed = PersonName::parse(&format!("{pad}{name}{pad}")).unwrap();
        prop_assert_eq!(parsed.as_str(), name.as_str());
        let at_limit: String = name.chars().cycle().take(PersonName::MAX_CHARS).collect();
        prop_assume!(at_limit.trim() == at_limit);
        prop_assert!(PersonName::parse(&at_limit).is_ok());
        prop_assert_eq!(PersonName::parse(&format!("{at_limit}{extra}")), Err(PersonNameError::TooLong));
    }

    #[test]
    fn a_phone_holds_digits_spaces_and_its_symbols_only_or_is_refused_with_the_first_reason(raw in prop_oneof![
        any_text(),
        "[0-9 +().x\t-]{0,25}",
    ]) {
        let trimmed = raw.trim();
        let allowed = |c: char| c.is_ascii_digit() || c == ' ' || Phone::SYMBOLS.contains(c);
        let expected = if trimmed.is_empty() {
            Err(PhoneError::Empty)
        } else if trimmed.chars().count() > Phone::MAX_CHARS {
            Err(PhoneError::TooLong)
        } else if !trimmed.chars().all(allowed) {
            Err(PhoneError::ForbiddenCharacter)
        } else if !trimmed.chars().any(|c| c.is_ascii_digit()) {
            Err(PhoneError::NoDigit)
        } else {
            Ok(trimmed.to_owned())
        };
        let parsed = Phone::parse(&raw);
        prop_assert_eq!(parsed.as_ref().map(|p| p.as_str().to_owned()).map_err(Clone::clone), expected);
        if let Ok(phone) = parsed {
            prop_assert_eq!(Phone::parse(phone.as_str()), Ok(phone.clone()), "parsing is idempotent");
        }
    }

    #[test]
    fn phones_as_people_write_them_are_accepted_and_one_character_more_is_too_long(
        phone in "[0-9+(][0-9 +().-]{0,18}[0-9)]",
        letter in "[a-zA-Z]",
        at in any::<prop::sample::Index>(),
    ) {
        prop_assume!(phone.chars().any(|c| c.is_ascii_digit()));
        let parsed = Phone::parse(&format!(" {phone}\t")).unwrap();
        prop_assert_eq!(parsed.as_str(), phone.as_str());
        let mut long = phone.clone();
        while long.chars().count() <= Phone::MAX_CHARS {
            long.push('0');
        }
        prop_assert_eq!(Phone::parse(&long), Err(PhoneError::TooLong));
        prop_assume!(phone.chars().count() < Phone::MAX_CHARS);
        let with_letter = insert_inside(&phone, at, letter.chars().next().unwrap());
        prop_assert_eq!(Phone::parse(&with_letter), Err(PhoneError::ForbiddenCharacter));
    }

    #[test]
    fn a_matricule_is_a_positive_integer_column_value(value in prop_oneof![
        any::<i64>(),
        -2..=2i64,
        i64::from(i32::MAX) - 2..=i64::from(i32::MAX) + 2,
    ]) {
        let expected = if value <= 0 {
            Err(MatriculeError::NotPositive)
        } else if value > i64::from(Matricule::MAX) {
            Err(MatriculeError::TooLarge)
        } else {
            Ok(value)
        };
        prop_assert_eq!(Matricule::parse_i64(value).map(|m| i64::from(m.value())), expected.clone());
        let optional = Matricule::parse_optional(Some(value)).map(|m| m.map(|m| i64::from(m.value())));
        if value == 0 {
            prop_assert_eq!(optional, Ok(None), "0 is the legacy \"no matricule\"");
        } else {
            prop_assert_eq!(optional, expected.map(Some));
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Dates of birth, slot dates and times, passwords
// ---------------------------------------------------------------------------------------------------------

fn date_in(years: std::ops::RangeInclusive<i32>) -> impl Strategy<Value = NaiveDate> {
    (years, 1..=366u32).prop_filter_map("a day of that year", |(year, ordinal)| NaiveDate::from_yo_opt(year, ordinal))
}

/// Full calendar years from `born` to `today` as R3 counts them (a 29 February birthday comes on 1 March in
/// common years), or `None` before the birth.
fn full_years(born: NaiveDate, today: NaiveDate) -> Option<i32> {
    if born > today {
        return None;
    }
    let before_birthday = (today.month(), today.day()) < (born.month(), born.day());
    Some(today.year() - born.year() - i32::from(before_birthday))
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn a_date_of_birth_is_accepted_exactly_for_ages_18_to_100(
        born in date_in(1880..=2030),
        today in date_in(1990..=2100),
    ) {
        let expected = match full_years(born, today) {
            None => Err(DateOfBirthError::InFuture),
            Some(age) if age < 18 => Err(DateOfBirthError::TooYoung),
            Some(age) if age > 100 => Err(DateOfBirthError::TooOld),
            Some(_) => Ok(born),
        };
        let parsed = DateOfBirth::parse(born, today);
        prop_assert_eq!(parsed.clone().map(DateOfBirth::date), expected);
        if let Ok(dob) = parsed {
            let age = dob.age_on(today);
            prop_assert!((DateOfBirth::MIN_AGE..=DateOfBirth::MAX_AGE).contains(&age));
            prop_assert_eq!(dob.to_string(), born.format("%Y-%m-%d").to_string());
        }
    }

    #[test]
    fn the_eighteenth_birthday_is_the_first_day_accepted(born in date_in(1950..=2010)) {
        // The day one turns 18 (1 March for a 29 February birth in a common year).
        let birthday = born.with_year(born.year() + 18).unwrap_or_else(|| {
            NaiveDate::from_ymd_opt(born.year() + 18, 3, 1).unwrap()
        });
        prop_assert!(DateOfBirth::parse(born, birthday).is_ok());
        prop_assert_eq!(DateOfBirth::parse(born, birthday.pred_opt().unwrap()), Err(DateOfBirthError::TooYoung));
    }

    #[test]
    fn a_slot_date_or_time_parses_only_from_its_exact_wire_shape(raw in prop_oneof![
        any_text(),
        "[0-9+-]{4,6}-[0-9]{1,2}-[0-9]{1,2}",
        "[0-9+]{1,3}:[0-9]{1,2}:[0-9]{1,2}(\\.[0-9])?",
    ]) {
        match parse_date(&raw) {
            Ok(date) => {
                prop_assert_eq!(date.format(DATE_FORMAT).to_string(), raw.clone(), "what is stored reads as sent");
                prop_assert!(date.year() >= 1900);
            }
            Err(error) => prop_assert_eq!(error, SlotFieldError::Date),
        }
        match parse_time(&raw) {
            Ok(time) => {
                prop_assert_eq!(time.format(TIME_FORMAT).to_string(), raw.clone());
                prop_assert!(time.nanosecond() == 0);
            }
            Err(error) => prop_assert_eq!(error, SlotFieldError::Time),
        }
    }

    #[test]
    fn every_real_day_from_1900_and_every_time_of_day_is_accepted(
        date in date_in(1900..=9999),
        before in date_in(1..=1899),
        (h, m, s) in (0..30u32, 0..70u32, 0..70u32),
    ) {
        prop_assert_eq!(parse_date(&date.format(DATE_FORMAT).to_string()), Ok(date));
        prop_assert_eq!(parse_date(&before.format(DATE_FORMAT).to_string()), Err(SlotFieldError::Date));
        let raw = format!("{h:02}:{m:02}:{s:02}");
        let expected = NaiveTime::from_hms_opt(h, m, s).filter(|_| h < 24 && m < 60 && s < 60);
        prop_assert_eq!(parse_time(&raw).ok(), expected);
    }

    #[test]
    fn a_password_is_refused_with_exactly_the_rules_it_breaks(raw in prop_oneof![
        any_text(),
        "[a-zA-Z0-9!@#é ]{0,90}",
    ]) {
        let meets = |rule: PasswordRule| match rule {
            PasswordRule::MinLength => raw.chars().count() >= Password::MIN_CHARS,
            PasswordRule::MaxBytes => raw.len() <= Password::MAX_BYTES,
            PasswordRule::Uppercase => raw.chars().any(char::is_uppercase),
            PasswordRule::Lowercase => raw.chars().any(char::is_lowercase),
            PasswordRule::Digit => raw.chars().any(|c| c.is_ascii_digit()),
            PasswordRule::Special => raw.chars().any(|c| Password::SPECIAL_CHARS.contains(c)),
        };
        let broken: Vec<PasswordRule> = PasswordRule::ALL.into_iter().filter(|r| !meets(*r)).collect();
        match Password::parse(raw.clone()) {
            Ok(password) => {
                prop_assert!(broken.is_empty());
                prop_assert_eq!(password.expose(), raw.as_str(), "kept exactly as typed");
                prop_assert_eq!(format!("{password:?}"), "Password(***)");
            }
            Err(error) => {
                prop_assert_eq!(error.unmet(), broken.as_slice());
                prop_assert!(error.to_string().starts_with("Le mot de passe doit "));
            }
        }
    }

    #[test]
    fn passwords_meeting_every_rule_are_accepted_up_to_72_bytes(
        filler in "[a-zA-Z0-9]{8,68}",
        special in select(Password::SPECIAL_CHARS.chars().collect::<Vec<_>>()),
        pad in " {0,2}",
    ) {
        let password = format!("{pad}Aa1{special}{filler}");
        prop_assume!(password.len() <= Password::MAX_BYTES);
        let parsed = Password::parse(password.clone()).unwrap();
        prop_assert_eq!(parsed.expose(), password.as_str());
        let mut over = password.clone();
        while over.len() <= Password::MAX_BYTES {
            over.push('x');
        }
        let refused = Password::parse(over).unwrap_err();
        prop_assert_eq!(refused.unmet(), &[PasswordRule::MaxBytes]);
    }
}

// ---------------------------------------------------------------------------------------------------------
// Scores
// ---------------------------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(config())]

    #[test]
    fn a_score_is_a_finite_number_from_0_to_20_with_two_decimals_or_refused(value in prop_oneof![
        any::<f64>(),
        -1.0..21.0f64,
        (0..=2100u32).prop_map(|h| f64::from(h) / 100.0),
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
    ]) {
        match Score::parse("cv_score", value) {
            Ok(score) => {
                prop_assert!(value.is_finite() && (0.0..=20.0).contains(&value));
                prop_assert!(score.hundredths() <= Score::MAX_HUNDREDTHS);
                prop_assert!((score.points() - value).abs() < 1e-6);
                prop_assert_eq!(Score::parse("cv_score", score.points()), Ok(score));
                prop_assert_eq!(Score::parse("cv_score", score.to_string().parse().unwrap()), Ok(score));
            }
            Err(error) => {
                prop_assert_eq!(error.field, "cv_score");
                let two_decimals = ((value * 100.0).round() - value * 100.0).abs() <= 1e-6;
                prop_assert!(!value.is_finite() || !(0.0..=20.0).contains(&value) || !two_decimals);
            }
        }
    }

    #[test]
    fn every_hundredth_from_0_to_20_is_a_score_and_nothing_past_it(hundredths in -5_000..5_000i64) {
        let in_range = (0..=i64::from(Score::MAX_HUNDREDTHS)).contains(&hundredths);
        let from_storage = Score::from_hundredths("s", hundredths);
        prop_assert_eq!(from_storage.is_ok(), in_range);
        #[allow(clippy::cast_precision_loss)]
        let parsed = Score::parse("s", hundredths as f64 / 100.0);
        prop_assert_eq!(parsed.map(|s| i64::from(s.hundredths())).ok(), in_range.then_some(hundredths));
    }

    #[test]
    fn an_average_of_scores_lies_between_their_lowest_and_highest(
        scores in prop::collection::vec(0..=Score::MAX_HUNDREDTHS, 1..50),
    ) {
        let sum: u64 = scores.iter().map(|&h| u64::from(h)).sum();
        let average = Score::average(sum, scores.len() as u64).hundredths();
        prop_assert!(average >= *scores.iter().min().unwrap());
        prop_assert!(average <= *scores.iter().max().unwrap());
    }
}

// ---------------------------------------------------------------------------------------------------------
// MTP questions and answers
// ---------------------------------------------------------------------------------------------------------

/// A question or an answer as a client may send it: often fine, sometimes blank, sometimes far too long.
fn mtp_text(max_chars: usize) -> impl Strategy<Value = String> {
    prop_oneof![
        6 => "\\PC{1,40}",
        1 => "[ \t\n]{0,3}",
        1 => (1..=3usize, "\\PC").prop_map(move |(extra, c)| c.repeat(max_chars + extra)),
        1 => (0..=2usize, "[a-zé]").prop_map(move |(less, c)| format!(" {} ", c.repeat(max_chars - less))),
    ]
}

fn mtp_list(max_chars: usize) -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(mtp_text(max_chars), 0..10)
}

/// A question that obeys the limits: no line break (so the legacy one-per-line fields can carry it).
fn good_question() -> impl Strategy<Value = String> {
    "[^\\p{C}\\s][^\\p{C}]{0,30}[^\\p{C}\\s]|[^\\p{C}\\s]"
}

fn good_questions() -> impl Strategy<Value = MtpQuestions> {
    (
        prop::collection::vec(good_question(), 0..=MtpQuestions::MAX_METIER),
        prop::collection::vec(good_question(), 0..=MtpQuestions::MAX_TALENT),
        prop::collection::vec(good_question(), 0..=MtpQuestions::MAX_PARADIGME),
    )
        .prop_map(|(m, t, p)| MtpQuestions::parse(m, t, p).unwrap())
}

/// The first broken K3 rule in `lists` (families in order; in a family, the count, then each question), as
/// `MtpQuestions::parse` documents it.
fn first_question_problem(lists: &[Vec<String>; 3]) -> Option<MtpQuestionsError> {
    for (family, questions) in MtpFamily::ALL.into_iter().zip(lists) {
        if questions.len() > family.max_questions() {
            return Some(MtpQuestionsError::TooManyQuestions { family, given: questions.len() });
        }
        for (i, question) in questions.iter().enumerate() {
            let question = question.trim();
            if question.is_empty() {
                return Some(MtpQuestionsError::BlankQuestion { family, position: i + 1 });
            }
            if question.chars().count() > MtpQuestions::MAX_QUESTION_CHARS {
                return Some(MtpQuestionsError::QuestionTooLong { family, position: i + 1 });
            }
        }
    }
    None
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn accepted_mtp_questions_respect_every_k3_limit_and_anything_over_is_refused(
        metier in mtp_list(MtpQuestions::MAX_QUESTION_CHARS),
        talent in mtp_list(MtpQuestions::MAX_QUESTION_CHARS),
        paradigme in mtp_list(MtpQuestions::MAX_QUESTION_CHARS),
    ) {
        let lists = [metier, talent, paradigme];
        let parsed = MtpQuestions::parse(lists[0].clone(), lists[1].clone(), lists[2].clone());
        match (parsed, first_question_problem(&lists)) {
            (Ok(questions), None) => {
                for (family, sent) in MtpFamily::ALL.into_iter().zip(&lists) {
                    let kept = questions.questions(family);
                    prop_assert!(kept.len() <= family.max_questions());
                    let trimmed: Vec<&str> = sent.iter().map(|q| q.trim()).collect();
                    prop_assert_eq!(kept, trimmed.as_slice());
                    prop_assert!(kept.iter().all(|q| q.chars().count() <= MtpQuestions::MAX_QUESTION_CHARS));
                }
                prop_assert_eq!(questions.check(), Ok(()));
                prop_assert_eq!(questions.total(), lists.iter().map(Vec::len).sum::<usize>());
            }
            (Err(error), Some(expected)) => prop_assert_eq!(error, expected),
            (parsed, expected) => prop_assert!(false, "parse gave {:?}, K3 says {:?}", parsed, expected),
        }
    }

    #[test]
    fn one_question_more_than_a_family_allows_refuses_the_set(
        questions in good_questions(),
        family in select(MtpFamily::ALL.to_vec()),
        extra in prop::collection::vec(good_question(), 1..4),
    ) {
        let mut lists = MtpFamily::ALL.map(|f| questions.questions(f).to_vec());
        let index = MtpFamily::ALL.iter().position(|f| *f == family).unwrap();
        while lists[index].len() < family.max_questions() {
            lists[index].push("Q ?".to_owned());
        }
        lists[index].extend(extra);
        let given = lists[index].len();
        let [m, t, p] = lists;
        let result = MtpQuestions::parse(m, t, p);
        prop_assert_eq!(result, Err(MtpQuestionsError::TooManyQuestions { family, given }));
    }

    #[test]
    fn the_legacy_one_question_per_line_fields_read_as_the_lists(
        questions in good_questions(),
        blank_lines in prop::collection::vec("[ \t]{0,2}", 0..3),
        crlf in any::<bool>(),
    ) {
        let end = if crlf { "\r\n" } else { "\n" };
        let field = |family: MtpFamily| -> String {
            let mut lines: Vec<String> = blank_lines.clone();
            lines.extend(questions.questions(family).iter().cloned());
            lines.join(end)
        };
        let [m, t, p] = MtpFamily::ALL.map(field);
        let legacy = MtpQuestions::from_legacy_strings(Some(&m), Some(&t), Some(&p));
        prop_assert_eq!(legacy, Ok(questions));
    }

    #[test]
    fn accepted_answers_match_the_question_counts_and_the_answer_limit(
        questions in good_questions(),
        answers in [mtp_list(MAX_ANSWER_CHARS), mtp_list(MAX_ANSWER_CHARS), mtp_list(MAX_ANSWER_CHARS)],
        cut_to_count in any::<bool>(),
    ) {
        let mut answers = answers;
        if cut_to_count {
            // Mostly the right count, so that the per-answer checks are reached too.
            for (family, list) in MtpFamily::ALL.into_iter().zip(answers.iter_mut()) {
                list.resize(questions.questions(family).len(), "Réponse".to_owned());
            }
        }
        let mismatches: Vec<(MtpFamily, usize, usize)> = MtpFamily::ALL
            .into_iter()
            .zip(&answers)
            .map(|(family, list)| (family, list.len(), questions.questions(family).len()))
            .filter(|(_, given, asked)| given != asked)
            .collect();
        let [m, t, p] = answers.clone();
        match MtpAnswers::parse(&questions, m, t, p) {
            Ok(parsed) => {
                prop_assert!(mismatches.is_empty());
                for (family, sent) in MtpFamily::ALL.into_iter().zip(&answers) {
                    let kept = parsed.answers(family);
                    prop_assert_eq!(kept.len(), questions.questions(family).len());
                    for (kept, sent) in kept.iter().zip(sent) {
                        prop_assert_eq!(kept.as_str(), sent.trim());
                        prop_assert!(!kept.is_empty() && kept.chars().count() <= MAX_ANSWER_CHARS);
                    }
                }
            }
            Err(MtpAnswersError::CountMismatch(reported)) => prop_assert_eq!(reported, mismatches),
            Err(MtpAnswersError::BlankAnswer { family, position } | MtpAnswersError::AnswerTooLong { family, position }) => {
                prop_assert!(mismatches.is_empty(), "counts are checked first");
                let index = MtpFamily::ALL.iter().position(|f| *f == family).unwrap();
                let answer = answers[index][position - 1].trim();
                prop_assert!(answer.is_empty() || answer.chars().count() > MAX_ANSWER_CHARS);
            }
        }
    }

    #[test]
    fn an_answer_one_character_over_the_limit_is_refused_at_its_place(
        questions in good_questions().prop_filter("a question to answer", |q| q.total() > 0),
        pick in any::<prop::sample::Index>(),
        extra in 1..=3usize,
    ) {
        let answered: Vec<(MtpFamily, usize)> = MtpFamily::ALL
            .into_iter()
            .flat_map(|family| (0..questions.questions(family).len()).map(move |i| (family, i)))
            .collect();
        let (family, index) = answered[pick.index(answered.len())];
        let mut lists = MtpFamily::ALL.map(|f| vec!["ok".to_owned(); questions.questions(f).len()]);
        let slot = MtpFamily::ALL.iter().position(|f| *f == family).unwrap();
        lists[slot][index] = "é".repeat(MAX_ANSWER_CHARS);
        let [m, t, p] = lists.clone();
        prop_assert!(MtpAnswers::parse(&questions, m, t, p).is_ok(), "exactly at the limit");
        lists[slot][index] = "é".repeat(MAX_ANSWER_CHARS + extra);
        let [m, t, p] = lists;
        prop_assert_eq!(
            MtpAnswers::parse(&questions, m, t, p),
            Err(MtpAnswersError::AnswerTooLong { family, position: index + 1 })
        );
    }
}

// ---------------------------------------------------------------------------------------------------------
// The status machine (I5)
// ---------------------------------------------------------------------------------------------------------

const ACTORS: [StatusActor; 3] = [StatusActor::Candidate, StatusActor::Recruiter, StatusActor::Admin];

/// I5 as `docs/decisions.md` writes it: staff move the pipeline `candidature -> incubation -> entretien_programme
/// -> simulation_programmee -> embauche` one step forward, or `refuse` from any open state; the candidate
/// withdraws (`retiree`) an open application and does nothing else; `embauche`, `refuse`, `retiree` are
/// terminal, except that an admin reopens `refuse` into `incubation`.
fn i5_allows(from: ApplicationStatus, to: ApplicationStatus, actor: StatusActor) -> bool {
    use ApplicationStatus::{
        Candidature, Embauche, EntretienProgramme, Incubation, Refuse, Retiree, SimulationProgrammee,
    };
    let open = matches!(from, Candidature | Incubation | EntretienProgramme | SimulationProgrammee);
    let forward = matches!(
        (from, to),
        (Candidature, Incubation)
            | (Incubation, EntretienProgramme)
            | (EntretienProgramme, SimulationProgrammee)
            | (SimulationProgrammee, Embauche)
    );
    match actor {
        StatusActor::Candidate => open && to == Retiree,
        StatusActor::Recruiter => forward || (open && to == Refuse),
        StatusActor::Admin => forward || (open && to == Refuse) || (from == Refuse && to == Incubation),
    }
}

fn status() -> impl Strategy<Value = ApplicationStatus> {
    select(ApplicationStatus::ALL.to_vec())
}

fn actor() -> impl Strategy<Value = StatusActor> {
    select(ACTORS.to_vec())
}

fn position(status: ApplicationStatus) -> usize {
    ApplicationStatus::ALL.iter().position(|s| *s == status).unwrap()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn a_move_is_accepted_exactly_when_i5_allows_it_and_a_refusal_lists_the_allowed_moves(
        from in status(),
        to in status(),
        actor in actor(),
    ) {
        let allowed = from.allowed_next(actor);
        let expected: Vec<ApplicationStatus> =
            ApplicationStatus::ALL.into_iter().filter(|next| i5_allows(from, *next, actor)).collect();
        prop_assert_eq!(&allowed, &expected, "allowed_next is I5's set, in pipeline order");
        match from.transition(to, actor) {
            Ok(next) => {
                prop_assert_eq!(next, to);
                prop_assert!(allowed.contains(&to));
                prop_assert!(i5_allows(from, to, actor));
                prop_assert_ne!(from, to, "staying is not a move");
            }
            Err(refused) => {
                prop_assert!(!allowed.contains(&to));
                prop_assert!(!i5_allows(from, to, actor));
                prop_assert_eq!((refused.from, refused.to, refused.allowed), (from, to, allowed));
            }
        }
        if from.is_terminal() {
            let reopening = from == ApplicationStatus::Refuse && actor == StatusActor::Admin;
            let expected: &[ApplicationStatus] = if reopening { &[ApplicationStatus::Incubation] } else { &[] };
            prop_assert_eq!(from.allowed_next(actor), expected, "terminal: only an admin reopens a refusal");
        }
    }

    #[test]
    fn no_sequence_of_moves_by_any_actor_leaves_the_pipeline(
        moves in prop::collection::vec((status(), actor()), 0..64),
    ) {
        let mut current = ApplicationStatus::Candidature;
        for (to, actor) in moves {
            let before = current;
            match current.transition(to, actor) {
                Ok(next) => {
                    prop_assert!(i5_allows(before, next, actor), "{before} -> {next} by {actor:?}");
                    current = next;
                }
                Err(refused) => {
                    prop_assert_eq!(refused.from, before);
                    prop_assert!(!i5_allows(before, to, actor));
                }
            }
            if current == before {
                continue;
            }
            // Properties of the path, whatever the moves before.
            prop_assert_ne!(current, ApplicationStatus::Candidature, "no way back to the start");
            prop_assert!(
                !matches!(before, ApplicationStatus::Embauche | ApplicationStatus::Retiree),
                "hired and withdrawn are for good"
            );
            match current {
                ApplicationStatus::Embauche => {
                    prop_assert_eq!(before, ApplicationStatus::SimulationProgrammee);
                    prop_assert_ne!(actor, StatusActor::Candidate);
                }
                ApplicationStatus::Retiree => prop_assert_eq!(actor, StatusActor::Candidate),
                ApplicationStatus::Refuse => prop_assert_ne!(actor, StatusActor::Candidate),
                _ if before == ApplicationStatus::Refuse => {
                    prop_assert_eq!((current, actor), (ApplicationStatus::Incubation, StatusActor::Admin));
                }
                _ => {
                    prop_assert_eq!(position(current), position(before) + 1, "forward one step at a time");
                    prop_assert_ne!(actor, StatusActor::Candidate);
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// The raw PDF scan (S11, first pass)
// ---------------------------------------------------------------------------------------------------------

/// Bytes that look like PDF often enough to matter: tokens the scan reacts to, among arbitrary bytes.
fn pdfish_bytes() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        4 => prop::collection::vec(any::<u8>(), 0..64),
        1 => select(vec![
            &b"%PDF-1.7\n"[..], b"%%EOF\n", b"/JS", b"/JavaScript ", b"/Java#53cript", b"/JSON ", b"/Launch",
            b"/EmbeddedFiles", b"/", b"#", b"#4", b" ", b"<<", b">>", b"(", b")", b"%",
        ])
        .prop_map(<[u8]>::to_vec),
        1 => select(ACTIVE_NAMES.to_vec()).prop_map(|name| format!("/{name}").into_bytes()),
        1 => (1..60usize).prop_map(|n| format!("/{}", "A".repeat(n)).into_bytes()),
    ];
    prop::collection::vec(token, 0..40).prop_map(|tokens| tokens.concat())
}

fn scan(chunks: &[&[u8]], name: &str) -> Result<u64, DocumentProblem> {
    let mut scan = PdfScan::new();
    for chunk in chunks {
        scan.feed(chunk);
    }
    scan.finish(name, &DocumentLimits::default())
}

/// `bytes` cut at `cuts` (positions taken modulo its length, in any order).
fn chunks(bytes: &[u8], cuts: &[usize]) -> Vec<Vec<u8>> {
    let mut at: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    at.push(0);
    at.push(bytes.len());
    at.sort_unstable();
    at.windows(2).map(|w| bytes[w[0]..w[1]].to_vec()).collect()
}

/// `name` with each letter chosen in `escape` written as `#xx`.
fn escaped(name: &str, escape: &[bool]) -> String {
    name.chars()
        .zip(escape.iter().chain(std::iter::repeat(&false)))
        .map(|(c, e)| if *e { format!("#{:02X}", u32::from(c)) } else { c.to_string() })
        .collect()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn the_raw_scan_gives_one_verdict_however_the_upload_is_cut_into_chunks(
        body in pdfish_bytes(),
        framed in any::<bool>(),
        cuts in prop::collection::vec(any::<usize>(), 0..12),
        name in prop_oneof![Just("cv.pdf".to_owned()), Just(" CV.PDF ".to_owned()), any_text()],
    ) {
        let bytes = if framed { [b"%PDF-1.7\n".as_slice(), &body, b"\n%%EOF\n"].concat() } else { body };
        let whole = scan(&[&bytes], &name);
        let pieces = chunks(&bytes, &cuts);
        let refs: Vec<&[u8]> = pieces.iter().map(Vec::as_slice).collect();
        prop_assert_eq!(scan(&refs, &name), whole.clone());
        let byte_by_byte: Vec<&[u8]> = bytes.chunks(1).collect();
        prop_assert_eq!(scan(&byte_by_byte, &name), whole.clone());
        if let Ok(size) = whole {
            prop_assert_eq!(size, bytes.len() as u64);
            prop_assert!(bytes.starts_with(b"%PDF-"));
            prop_assert!(name.trim().to_lowercase().ends_with(".pdf"));
        }
    }

    #[test]
    fn an_active_name_anywhere_in_a_clean_document_is_found_even_escaped_or_cut(
        before in "[a-zA-Z0-9 \n<>\\[\\]()]{0,300}",
        after in "[a-zA-Z0-9 \n<>\\[\\]()]{0,300}",
        name in select(ACTIVE_NAMES.to_vec()),
        escape in prop::collection::vec(any::<bool>(), 0..16),
        delimiter in select(vec![" ", "\n", "/", ">>", "(", "[", "%"]),
        cuts in prop::collection::vec(any::<usize>(), 0..6),
    ) {
        let clean = format!("%PDF-1.7\n{before}{after}\n%%EOF\n");
        prop_assert_eq!(scan(&[clean.as_bytes()], "cv.pdf"), Ok(clean.len() as u64));
        let active = format!("%PDF-1.7\n{before} /{}{delimiter}{after}\n%%EOF\n", escaped(name, &escape));
        let pieces = chunks(active.as_bytes(), &cuts);
        let refs: Vec<&[u8]> = pieces.iter().map(Vec::as_slice).collect();
        prop_assert_eq!(scan(&refs, "cv.pdf"), Err(DocumentProblem::ActiveContent(name)));
    }
}
