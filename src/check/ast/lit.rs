//! Numbers as written in a check: a mantissa and a unit suffix (`32MiB`,
//! `5%`, `10ms`, `0xc000000000`), the suffix's scale and dimension.

use super::Dim;

/// A number as written: `32MiB` is 32 with the suffix `MiB`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Lit {
    pub mantissa: f64,
    pub suffix: Suffix,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suffix {
    None,
    /// `0xc000000000`.
    Hex,
    Percent,
    B,
    KiB,
    MiB,
    GiB,
    KB,
    MB,
    GB,
    Ns,
    Us,
    Ms,
    S,
}

impl Suffix {
    pub const UNITS: [Suffix; 12] = [
        Suffix::Percent,
        Suffix::B,
        Suffix::KiB,
        Suffix::MiB,
        Suffix::GiB,
        Suffix::KB,
        Suffix::MB,
        Suffix::GB,
        Suffix::Ns,
        Suffix::Us,
        Suffix::Ms,
        Suffix::S,
    ];

    pub fn text(self) -> &'static str {
        match self {
            Suffix::None | Suffix::Hex => "",
            Suffix::Percent => "%",
            Suffix::B => "B",
            Suffix::KiB => "KiB",
            Suffix::MiB => "MiB",
            Suffix::GiB => "GiB",
            Suffix::KB => "KB",
            Suffix::MB => "MB",
            Suffix::GB => "GB",
            Suffix::Ns => "ns",
            Suffix::Us => "us",
            Suffix::Ms => "ms",
            Suffix::S => "s",
        }
    }

    /// The factor to the base unit, and the dimension (`None`: a plain
    /// number that takes the dimension of what it meets).
    pub fn scale(self) -> (f64, Option<Dim>) {
        const KI: f64 = 1024.0;
        match self {
            Suffix::None | Suffix::Hex => (1.0, None),
            Suffix::Percent => (0.01, Some(Dim::Ratio)),
            Suffix::B => (1.0, Some(Dim::Bytes)),
            Suffix::KiB => (KI, Some(Dim::Bytes)),
            Suffix::MiB => (KI * KI, Some(Dim::Bytes)),
            Suffix::GiB => (KI * KI * KI, Some(Dim::Bytes)),
            Suffix::KB => (1e3, Some(Dim::Bytes)),
            Suffix::MB => (1e6, Some(Dim::Bytes)),
            Suffix::GB => (1e9, Some(Dim::Bytes)),
            Suffix::Ns => (1.0, Some(Dim::Duration)),
            Suffix::Us => (1e3, Some(Dim::Duration)),
            Suffix::Ms => (1e6, Some(Dim::Duration)),
            Suffix::S => (1e9, Some(Dim::Duration)),
        }
    }
}

impl Lit {
    pub fn value(self) -> f64 {
        self.mantissa * self.suffix.scale().0
    }
}
