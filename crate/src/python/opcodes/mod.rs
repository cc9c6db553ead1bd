//! Per-version opcode tables (generated) and the version identifiers used everywhere.
//!
//! `tables.rs` is produced by `tools/opcodes/gen_opcodes.py` from `shared/reference`;
//! `crate/tests/python_opcode_tables.rs` checks it against the same data.

// Generated; keep the generator's exact layout (the consistency test compares bytes).
#[rustfmt::skip]
mod tables;

/// What an instruction's argument indexes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    None,
    Const,
    Name,
    Local,
    Free,
    JRel,
    JAbs,
    Compare,
    Arg,
}

/// One opcode of one version, in 4 bytes: its name is an index into `tables::NAMES`
/// (0 for undefined opcodes), so the 14 tables of 256 stay small in the page's wasm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Op {
    name: u16,
    /// Inline CACHE units (2 bytes each) after the instruction (3.11+).
    pub cache: u8,
    pub kind: Kind,
}

impl Op {
    pub const UNDEFINED: Op = Op { name: 0, cache: 0, kind: Kind::None };
    pub fn defined(&self) -> bool {
        self.name != 0
    }
    /// The name (`LOAD_CONST`), empty for an undefined opcode.
    pub fn name(&self) -> &'static str {
        tables::NAMES.get(usize::from(self.name)).copied().unwrap_or("")
    }
}

/// The opcode table of one CPython minor version.
#[derive(Debug)]
pub struct OpTable {
    pub version: &'static str,
    pub have_argument: u8,
    pub extended_arg: u8,
    pub ops: [Op; 256],
}

/// A CPython version the analysis knows. `Py30` stands for 3.0 – 3.3, decoded with the
/// 3.4 table (no interpreter of that era wrote Keras files that we know of).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Py {
    Py27,
    Py30,
    Py34,
    Py35,
    Py36,
    Py37,
    Py38,
    Py39,
    Py310,
    Py311,
    Py312,
    Py313,
    Py314,
    Py315,
}

impl Py {
    pub const ALL: [Py; 14] = [
        Py::Py27,
        Py::Py30,
        Py::Py34,
        Py::Py35,
        Py::Py36,
        Py::Py37,
        Py::Py38,
        Py::Py39,
        Py::Py310,
        Py::Py311,
        Py::Py312,
        Py::Py313,
        Py::Py314,
        Py::Py315,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Py::Py27 => "2.7",
            Py::Py30 => "3.0 – 3.3",
            Py::Py34 => "3.4",
            Py::Py35 => "3.5",
            Py::Py36 => "3.6",
            Py::Py37 => "3.7",
            Py::Py38 => "3.8",
            Py::Py39 => "3.9",
            Py::Py310 => "3.10",
            Py::Py311 => "3.11",
            Py::Py312 => "3.12",
            Py::Py313 => "3.13",
            Py::Py314 => "3.14",
            Py::Py315 => "3.15",
        }
    }

    /// (major, minor); 3.0 – 3.3 reports 3.3.
    pub fn minor(self) -> (u8, u8) {
        match self {
            Py::Py27 => (2, 7),
            Py::Py30 => (3, 3),
            Py::Py34 => (3, 4),
            Py::Py35 => (3, 5),
            Py::Py36 => (3, 6),
            Py::Py37 => (3, 7),
            Py::Py38 => (3, 8),
            Py::Py39 => (3, 9),
            Py::Py310 => (3, 10),
            Py::Py311 => (3, 11),
            Py::Py312 => (3, 12),
            Py::Py313 => (3, 13),
            Py::Py314 => (3, 14),
            Py::Py315 => (3, 15),
        }
    }

    /// True when `self` is at least 3.`m` (Python 3).
    pub fn ge(self, m: u8) -> bool {
        let (maj, min) = self.minor();
        maj == 3 && min >= m
    }

    pub fn from_label(s: &str) -> Option<Py> {
        Py::ALL.iter().copied().find(|p| p.label() == s)
    }

    /// Two-byte instructions (3.6+).
    pub fn wordcode(self) -> bool {
        self.ge(6)
    }

    pub fn table(self) -> &'static OpTable {
        match self {
            Py::Py27 => &tables::V2_7,
            Py::Py30 | Py::Py34 => &tables::V3_4,
            Py::Py35 => &tables::V3_5,
            Py::Py36 => &tables::V3_6,
            Py::Py37 => &tables::V3_7,
            Py::Py38 => &tables::V3_8,
            Py::Py39 => &tables::V3_9,
            Py::Py310 => &tables::V3_10,
            Py::Py311 => &tables::V3_11,
            Py::Py312 => &tables::V3_12,
            Py::Py313 => &tables::V3_13,
            Py::Py314 => &tables::V3_14,
            Py::Py315 => &tables::V3_15,
        }
    }
}

/// All generated tables, oldest first (for the consistency test).
pub fn all_tables() -> &'static [&'static OpTable] {
    &tables::ALL
}

/// Renders a range of versions the way reports show it: `3.11` or `3.11 – 3.12`, or a
/// comma list when the set is not contiguous.
pub fn describe(set: &[Py]) -> String {
    match set {
        [] => "unknown".into(),
        [one] => one.label().into(),
        _ => {
            let idx: Vec<usize> = set.iter().map(|p| Py::ALL.iter().position(|q| q == p).unwrap_or(0)).collect();
            let contiguous = idx.windows(2).all(|w| w[1] == w[0] + 1);
            if contiguous {
                let first = set[0].label().split(' ').next().unwrap_or("");
                let last = set[set.len() - 1].label().rsplit(' ').next().unwrap_or("");
                format!("{first} – {last}")
            } else {
                set.iter().map(|p| p.label()).collect::<Vec<_>>().join(", ")
            }
        }
    }
}
