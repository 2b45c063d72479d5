//! Enumerations whose values are legacy wire words (`interne`, `tous`, `active`, …): one declaration gives the
//! type, its list of values, the word of each, `Display`, and a `FromStr` that refuses anything else.

/// A value that is not one of the enumeration's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("valeur inconnue « {value} » (attendu : {expected})")]
pub struct UnknownValue {
    /// The word that was sent.
    pub value: String,
    /// The accepted words, separated by spaces.
    pub expected: &'static str,
}

/// Declares an enumeration of wire words: `wire_enum! { /// doc \n pub enum Name { Variant => "word", … } }`.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($(#[$vmeta:meta])* $variant:ident => $word:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        $vis enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: [Self; [$($word),+].len()] = [$(Self::$variant),+];

            /// The wire word.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $word),+
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::vocabulary::UnknownValue;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::ALL.into_iter().find(|v| v.as_str() == s).ok_or_else(|| $crate::vocabulary::UnknownValue {
                    value: s.to_owned(),
                    expected: concat!($($word, " "),+).trim_ascii_end(),
                })
            }
        }
    };
}

pub(crate) use wire_enum;

#[cfg(test)]
mod tests {
    wire_enum! {
        enum Sample { One => "un", Two => "deux" }
    }

    #[test]
    fn words_round_trip_and_anything_else_is_refused_with_the_list() {
        for v in Sample::ALL {
            assert_eq!(v.as_str().parse::<Sample>(), Ok(v));
            assert_eq!(v.to_string(), v.as_str());
        }
        let error = "UN".parse::<Sample>().unwrap_err();
        assert_eq!(error.to_string(), "valeur inconnue « UN » (attendu : un deux)");
    }
}
