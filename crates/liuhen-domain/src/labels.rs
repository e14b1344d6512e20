//! Enumerations that carry a stable ASCII code (used in the API and the
//! database) and the Chinese term of the domain (shown to people, and
//! accepted as input too).

/// A value with a stable ASCII code and a Chinese term (every
/// [`labelled_enum!`]), so that pages can show any of them alike.
pub trait Labelled: Copy {
    fn code(self) -> &'static str;
    fn label_zh(self) -> &'static str;
}

impl<T: Labelled> Labelled for &T {
    fn code(self) -> &'static str {
        (*self).code()
    }
    fn label_zh(self) -> &'static str {
        (*self).label_zh()
    }
}

/// Declares an enum whose variants serialise as their code and deserialise
/// from either the code or the Chinese label.
#[macro_export]
macro_rules! labelled_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = ($code:literal, $zh:literal) ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $code, alias = $zh)] $variant ),+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The stable ASCII code used in the API and in storage.
            pub fn code(self) -> &'static str {
                match self { $(Self::$variant => $code),+ }
            }

            /// The Chinese term of the domain.
            pub fn label_zh(self) -> &'static str {
                match self { $(Self::$variant => $zh),+ }
            }

            /// Parses either the code or the Chinese label.
            pub fn from_code(s: &str) -> Option<Self> {
                match s { $($code | $zh => Some(Self::$variant),)+ _ => None }
            }
        }

        impl $crate::Labelled for $name {
            fn code(self) -> &'static str {
                $name::code(self)
            }
            fn label_zh(self) -> &'static str {
                $name::label_zh(self)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.label_zh())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::ValidationError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::from_code(s).ok_or_else(|| {
                    let choices: Vec<String> =
                        Self::ALL.iter().map(|v| format!("{} ({})", v.code(), v.label_zh())).collect();
                    $crate::ValidationError::new(
                        stringify!($name),
                        format!("unknown value {s:?}; expected one of {}", choices.join(", ")),
                    )
                })
            }
        }
    };
}
