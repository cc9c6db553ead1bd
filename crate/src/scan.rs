//! The pipeline of one file: sniff → container → config walk → code analysis → rules.
//! Each stage only sees the output of the one before; findings carry their evidence.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::container::json;
use crate::keras::walk::Place;
use crate::keras::{self, Item, Object, Payload, Reference};
use crate::limits::{json_memory_estimate, Budget, LimitHit, Limits};
use crate::messages::{en, Message};
use crate::msg;
use crate::python::tables::KerasLine;
use crate::python::{self, payload, Classification, FunctionInput};
use crate::report::truncate;
use crate::report::{Evidence, FileReport, Finding, Location, Occurrence, ScanError, Severity, Stats};
use crate::rules::{archive as ar, config as cr, lambda as lr, readings as rr, sinks, RuleRef};
use crate::source::{check_range, ByteSource, Counting, SourceError};
use crate::{container, sniff};

/// Scans one file. `path` is what the report calls it (and a hint for formats without
/// magic bytes). Never panics on any input; problems become errors in the report.
pub fn scan(src: &dyn ByteSource, path: &str, limits: &Limits) -> FileReport {
    scan_with(src, path, limits, None)
}

/// [`scan`] with a should-stop hook, polled on every read and between stages (the CLI
/// passes its `max_scan_ms` deadline; the core reads no clock). Once it returns true
/// the scan winds down and the report names `max_scan_ms`.
pub fn scan_with(
    src: &dyn ByteSource,
    path: &str,
    limits: &Limits,
    should_stop: Option<&dyn Fn() -> bool>,
) -> FileReport {
    let counting = Counting::new(src);
    let budget = Budget::new(limits, src.len(), should_stop);
    let metered = Metered::new(&counting, &budget);
    // Every reading a loader may take (the one it takes under this name first): each is
    // scanned, the verdict is the worst; more than one is a polyglot.
    let readings = sniff::readings(&metered, path, limits);
    let format = readings[0];
    let mut extracted = container::extract(&metered, format, limits);
    if extracted.hdf5_not_keras {
        // Decides the verdict only: everything in the file is still scanned below.
        extracted.errors.push(ScanError::new("HDF5", msg!(en::ERR_NOT_KERAS_HDF5)));
    }
    for &other in &readings[1..] {
        let more = container::extract(&metered, other, limits);
        extracted.merge_reading(more, &format!("read as {}", other.as_str()));
    }
    budget.check_time("file");

    let mut s = Scan {
        limits,
        budget: &budget,
        findings: Vec::new(),
        errors: extracted.errors,
        by_hash: HashMap::new(),
        functions: 0,
        dropped: 0,
        also_dropped: HashMap::new(),
        tree: keras::overview::Builder::new(limits.max_overview_nodes),
        dotted: String::new(),
    };
    for (place, note) in &extracted.notes {
        s.add(finding(
            &lr::LENIENCY,
            Some(msg!(en::TITLE_CONTAINER_ODDITY)),
            "",
            Location { container: place.clone(), pointer: String::new() },
            Evidence { notes: vec![note.clone()], ..Evidence::default() },
        ));
    }
    if readings.len() > 1 {
        s.add(polyglot(&readings, &extracted.stored_members));
    }
    for doc in &extracted.docs {
        s.document(doc);
    }
    for (container, issue) in &extracted.hdf5_issues {
        s.hdf5_issue(container, issue);
    }
    for issue in &extracted.member_issues {
        s.member_issue(issue);
    }
    for (container, op) in &extracted.graph_ops {
        let place = if op.function.is_empty() {
            msg!(en::PLACE_MAIN_GRAPH)
        } else {
            msg!(en::PLACE_FUNCTION, name = &op.function)
        };
        let loc = Location { container: container.clone(), pointer: String::new() };
        let note = msg!(en::NOTE_GRAPH_NODE, node = format!("{:?}", op.node), place = place);
        let ev = Evidence { notes: vec![note], ..Evidence::default() };
        s.add(finding(&cr::OP, Some(msg!(en::TITLE_SAVEDMODEL_OP, op = &op.op)), "", loc, ev));
    }
    if s.dropped > 0 {
        budget.hit(LimitHit::new("max_findings", "report", msg!(en::LIM_FINDINGS, count = s.dropped)));
    }
    for (&i, &n) in &s.also_dropped {
        s.findings[i].evidence.notes.push(msg!(en::NOTE_MORE_PLACES, count = n));
    }
    for hit in budget.take_hits() {
        s.errors.push(ScanError::from_limit(&hit, limits));
    }
    cap_errors(&mut s.errors, limits);

    let verdict = FileReport::compute_verdict(&s.findings, &s.errors);
    let mut findings = s.findings;
    crate::sort::by_key(&mut findings, |f| std::cmp::Reverse(f.severity));
    let model = s.tree.finish(&findings);
    let (work_units, _, memory_estimate) = budget.usage();
    FileReport {
        path: path.to_string(),
        format: format.as_str().to_string(),
        verdict,
        findings,
        errors: s.errors,
        keras_version: extracted.keras_version,
        stats: Stats {
            file_bytes: src.len(),
            bytes_read: counting.bytes_read(),
            reads: counting.reads(),
            work_units,
            memory_estimate,
        },
        sha256: None,
        policy: None,
        model,
    }
}

/// Keeps the first `max_errors` errors (limit errors first, so none is lost) and
/// replaces the rest with one error that counts them.
fn cap_errors(errors: &mut Vec<ScanError>, limits: &Limits) {
    if errors.len() <= limits.max_errors {
        return;
    }
    crate::sort::by_key(errors, |e| e.limit.is_none());
    let extra = errors.len() - limits.max_errors;
    errors.truncate(limits.max_errors);
    let hit = LimitHit::new("max_errors", "report", msg!(en::LIM_ERRORS, count = extra));
    errors.push(ScanError::from_limit(&hit, limits));
}

/// The file as the readers see it: every read is charged to the budget (bytes read,
/// deadline), and fails once the budget is spent, so each reader stops at its next read
/// without knowing about the budget.
struct Metered<'a> {
    inner: &'a Counting<'a>,
    budget: &'a Budget<'a>,
    /// The file's bytes when it is held whole in memory (a small file): lent from here
    /// with the counting and charging done inline, since a small `.h5` asks for ~160
    /// small ranges and three virtual calls each were a tenth of its scan.
    whole: Option<&'a [u8]>,
    len: u64,
}

impl<'a> Metered<'a> {
    fn new(inner: &'a Counting<'a>, budget: &'a Budget<'a>) -> Self {
        Metered { inner, budget, whole: inner.inner().whole(), len: inner.len() }
    }

    /// Charges a read of `len` bytes; false once the budget is spent.
    fn charge(&self, len: u64) -> bool {
        !self.budget.stopped() && self.budget.charge_read(len)
    }
}

impl ByteSource for Metered<'_> {
    fn len(&self) -> u64 {
        self.len
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), SourceError> {
        if !self.charge(buf.len() as u64) {
            return Err(SourceError::BudgetSpent);
        }
        self.inner.read_at(offset, buf)
    }
    fn in_memory(&self) -> bool {
        self.whole.is_some() || self.inner.in_memory()
    }
    fn slice_at(&self, offset: u64, len: u64) -> Option<Result<&[u8], SourceError>> {
        if !self.in_memory() {
            return None; // nothing charged: the caller reads instead
        }
        if !self.charge(len) {
            // A refused charge stops the budget, so an empty read fails with the error of
            // `read_at` (and charges nothing).
            return Some(self.read_at(offset, &mut []).map(|()| &[][..]));
        }
        let Some(whole) = self.whole else {
            return Some(self.inner.slice_at(offset, len).expect("the inner source is in memory"));
        };
        // What `Counting` over `whole` would do, without the calls through both.
        // Checked against the buffer itself, so a source whose `whole` and `len` disagree
        // fails the read instead of panicking on the slice.
        let lent =
            check_range(offset, len, whole.len() as u64).map(|()| &whole[offset as usize..(offset + len) as usize]);
        self.inner.count_lent(offset, len, lent.is_ok());
        Some(lent)
    }
}

/// Characters of a bound value (defaults, closure, arguments) quoted in evidence: enough
/// to read it, while the value itself is analysed whole.
const EVIDENCE_VALUE_CHARS: usize = 200;

/// The dangerous names a function's source text mentions (each once), for evidence:
/// the text cannot be loaded by Keras, so this is a hint, not an analysis.
fn classify_words(text: &str, ev: &mut Evidence) {
    let mut seen = std::collections::HashSet::new();
    let mut qualified = String::new();
    for w in text.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.')) {
        if w.is_empty() || !seen.insert(w) {
            continue;
        }
        qualified.clear();
        qualified.push_str("builtins.");
        qualified.push_str(w);
        if let Some(hit) = sinks::classify(w).or_else(|| sinks::classify(&qualified)) {
            ev.categories.push(msg!(hit.category));
            ev.calls.push(w.to_string());
        }
    }
}

/// The finding for a file with several readings. Informational when the other reading
/// is an HDF5 file that starts exactly where a stored member's data does: Keras' own
/// `.keras` holds `model.weights.h5` uncompressed, and when it lands on 512·2ⁿ h5py sees
/// that member (scanned already) in the whole file.
fn polyglot(readings: &[sniff::Format], stored: &[(String, u64)]) -> Finding {
    let names: Vec<&str> = readings.iter().map(|f| f.as_str()).collect();
    let mut ev = Evidence::default();
    ev.notes.push(msg!(en::NOTE_READINGS, formats = names.join(", ")));
    let loc = Location { container: "file".into(), pointer: String::new() };
    let mut f = finding(&rr::POLYGLOT, None, "", loc, Evidence::default());
    for r in readings {
        if let sniff::Format::Hdf5 { superblock } = r {
            ev.notes.push(msg!(en::NOTE_HDF5_SIGNATURE, offset = *superblock));
            if let Some((name, _)) = stored.iter().find(|(_, at)| at == superblock) {
                ev.notes.push(msg!(en::NOTE_HDF5_IS_MEMBER, member = format!("{name:?}")));
                f.severity = Severity::Info;
                f.title = Some(msg!(en::TITLE_STORED_MEMBER_POLYGLOT, member = name));
            }
        }
    }
    f.evidence = ev;
    f
}

/// A finding of `rule`; `title` names the specific thing when the rule's title is not
/// enough (the rule's texts are in the report once, not in each finding).
fn finding(rule: &RuleRef, title: Option<Message>, layer: &str, location: Location, evidence: Evidence) -> Finding {
    Finding { code: rule.code, severity: rule.severity, title, layer: layer.to_string(), location, evidence }
}

struct Scan<'l> {
    limits: &'l Limits,
    budget: &'l Budget<'l>,
    findings: Vec<Finding>,
    errors: Vec<ScanError>,
    /// SHA-256 of decoded code + its bindings → index of its finding (one finding, every location).
    by_hash: HashMap<String, usize>,
    functions: usize,
    dropped: usize,
    /// Finding index → places not listed in its `also_at` (`max_also_at`).
    also_dropped: HashMap<usize, usize>,
    /// The model overview, recorded by the same walk that finds the functions.
    tree: keras::overview::Builder,
    /// An object's `module.class`, rewritten per object (one buffer, not a string each).
    dotted: String,
}

impl Scan<'_> {
    fn add(&mut self, f: Finding) -> Option<usize> {
        if self.findings.len() >= self.limits.max_findings {
            self.dropped += 1;
            return None;
        }
        self.findings.push(f);
        Some(self.findings.len() - 1)
    }

    fn document(&mut self, doc: &container::ConfigText) {
        let at = if doc.container.is_empty() { "JSON".to_string() } else { doc.container.clone() };
        let len = doc.text.len() as u64;
        let memory = json_memory_estimate(&doc.text);
        if self.budget.stopped() || !self.budget.charge_work(len, &at) || !self.budget.reserve_memory(memory, &at) {
            return; // the budget recorded which limit, and where
        }
        self.document_within_budget(doc);
        self.budget.release(memory);
    }

    fn document_within_budget(&mut self, doc: &container::ConfigText) {
        let parsed = match json::parse(&doc.text, self.limits.max_json_depth) {
            Ok(p) => p,
            Err(e) => {
                let at = if doc.container.is_empty() { "JSON".to_string() } else { doc.container.clone() };
                self.errors.push(ScanError::unreadable(at, crate::messages::Message::from(e)));
                return;
            }
        };
        for l in &parsed.leniencies {
            let loc = Location { container: doc.container.clone(), pointer: String::new() };
            self.add(finding(
                &lr::LENIENCY,
                None,
                "",
                loc,
                Evidence { notes: vec![l.message()], ..Evidence::default() },
            ));
        }
        // The walk borrows every string of the tree from its text: `doc.text`, or the
        // innermost text of a double-encoded document (kept here until the walk ends).
        let inner = keras::double_encoded_text(&parsed.value, self.limits.max_json_unwrap, self.limits.max_json_depth);
        let inner_parsed = inner.as_ref().and_then(|(text, _)| json::parse(text, self.limits.max_json_depth).ok());
        let (value, unwrapped) = match (&inner_parsed, &inner) {
            (Some(p), Some((_, n))) => (&p.value, *n),
            _ => (&parsed.value, 0),
        };
        let container = if unwrapped > 0 {
            let what = if doc.container.is_empty() { "file".to_string() } else { doc.container.clone() };
            format!("{what} (JSON string decoded {unwrapped}×)")
        } else {
            doc.container.clone()
        };
        self.tree.document(&container, doc.role != container::Role::SavedModelNode);
        // Each item is checked as the walk finds it (in the walk's order, as a list of
        // them would be), so an object's site is built only for a finding.
        let mut tree = std::mem::replace(&mut self.tree, keras::overview::Builder::new(0));
        let mut found = 0usize;
        keras::walk::walk_each(value, Some(&mut tree), &mut |item, place| {
            found += 1;
            self.item(item, place, &container);
        });
        self.tree = tree;
        if found == 0 && doc.role == container::Role::Model {
            // Nothing Keras would deserialise (no `{"class_name": …}` object, no function):
            // `package.json`, `{}`, a list of numbers. The walk found nothing to report
            // either, so this only turns `clean` into `error`; it never skips a check.
            let at = if container.is_empty() { "JSON".to_string() } else { container.clone() };
            self.errors.push(ScanError::new(at, msg!(en::ERR_NOT_KERAS_CONFIG)));
        }
    }

    fn item(&mut self, item: Item, place: &Place, container: &str) {
        match item {
            Item::Function(p) => self.function(&p, container),
            Item::Reference(r) => self.reference(&r, container),
            Item::Object(o) => self.object(&o, place, container),
            Item::SourceText { site, text } => {
                let loc = Location { container: container.to_string(), pointer: site.pointer.clone() };
                let shown = self.source_text_prefix(&text, &loc);
                let mut ev = Evidence { source: Some(truncate(&text, shown)), ..Evidence::default() };
                ev.notes.push(msg!(en::NOTE_SOURCE_TEXT));
                classify_words(&text[..shown], &mut ev);
                self.add(finding(&lr::SUSPICIOUS, Some(msg!(en::TITLE_SOURCE_TEXT)), &site.layer, loc, ev));
            }
        }
    }

    /// How much of a function's source text is classified and shown: all of it up to
    /// `max_source_text_bytes`, else that much and a limit error.
    fn source_text_prefix(&self, text: &str, loc: &Location) -> usize {
        let max = self.limits.max_source_text_bytes;
        if text.len() <= max {
            return text.len();
        }
        self.budget.hit(LimitHit::new(
            "max_source_text_bytes",
            loc.to_string(),
            msg!(en::LIM_SOURCE_TEXT, bytes = text.len(), max = max),
        ));
        let mut end = max;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        end
    }

    fn function(&mut self, p: &Payload, container: &str) {
        /// Which Keras lines can load a function stored this way (their loaders' globals
        /// become the function's globals). Keras 3 also reads the legacy triple from .h5.
        fn loading_lines(shape: crate::keras::Shape) -> &'static [KerasLine] {
            use crate::keras::Shape as S;
            match shape {
                // tf.keras 2.13+ (and tf_keras) also load `.keras` files: their `__lambda__`
                // objects get generic_utils' globals (`np`, `os`, `marshal`, …).
                S::Keras3Code | S::Keras3Value | S::BareValue => &[KerasLine::Keras3, KerasLine::TfKeras2],
                S::SavedModelTuple => &[KerasLine::TfKeras2],
                S::Keras1String => &[KerasLine::Keras1, KerasLine::Keras2],
                S::Keras2List | S::Unknown => &KerasLine::ALL,
            }
        }
        let loc = Location { container: container.to_string(), pointer: p.site.pointer.clone() };
        let decoded = payload::decode_code(&p.code);
        let hash = decoded.sha256_hex();
        // The same code with other bindings may do something else: dedupe on both.
        let bindings = [&p.defaults, &p.closure, &p.arguments]
            .map(|v| v.as_ref().map(|j| j.to_compact()).unwrap_or_default())
            .join("|");
        let key = format!("{hash}|{bindings}|{}", p.module.as_deref().unwrap_or(""));
        if let Some(&i) = self.by_hash.get(&key) {
            let also = &mut self.findings[i].evidence.also_at;
            if also.len() < self.limits.max_also_at {
                also.push(Occurrence { layer: p.site.layer.clone(), location: loc });
            } else {
                *self.also_dropped.entry(i).or_default() += 1;
                self.budget.hit(LimitHit::new("max_also_at", "report", msg!(en::LIM_ALSO_AT)));
            }
            return;
        }
        self.functions += 1;
        if self.functions > self.limits.max_functions {
            self.budget.hit(LimitHit::new(
                "max_functions",
                container,
                msg!(en::LIM_FUNCTIONS, max = self.limits.max_functions),
            ));
            return;
        }
        let place = format!("{container} {}", p.site.pointer);
        if self.budget.stopped() || !self.budget.charge_work(decoded.bytes.len() as u64, &place) {
            // Not analysed: never reported as benign (the limit error makes it `error`).
            return;
        }
        let mut ev = Evidence {
            encoding: Some(decoded.encoding.as_str().to_string()),
            decoded_bytes: Some(decoded.bytes.len() as u64),
            sha256: Some(hash.clone()),
            notes: decoded.notes.clone(),
            ..Evidence::default()
        };
        ev.notes.insert(0, msg!(en::NOTE_STORED_AS, shape = p.shape.describe(), slot = &p.site.slot));
        let analysis = if decoded.bytes.len() as u64 > self.limits.max_payload_bytes {
            ev.notes.push(msg!(en::NOTE_PAYLOAD_TOO_LARGE, max = self.limits.max_payload_bytes));
            None
        } else {
            let input = FunctionInput {
                code: &decoded.bytes,
                defaults: p.defaults,
                closure: p.closure,
                arguments: p.arguments,
                module: p.module.as_deref(),
            };
            Some(python::analyze_for(&input, loading_lines(p.shape), self.limits))
        };
        for (what, v) in [("defaults", &p.defaults), ("closure", &p.closure), ("arguments", &p.arguments)] {
            if let Some(v) = v {
                ev.notes.push(msg!(
                    en::NOTE_BOUND_VALUE,
                    field = what,
                    value = truncate(&v.to_compact(), EVIDENCE_VALUE_CHARS)
                ));
            }
        }
        let mut repaired = false;
        let class = match analysis {
            Some(a) => {
                repaired = a.windows_repaired;
                ev.python_version = a.python_version;
                ev.source = a.source;
                ev.calls = a.calls;
                ev.strings = a.strings;
                ev.categories = a.categories;
                ev.notes.extend(a.notes);
                for hit in a.limits_hit {
                    let location = if hit.location.is_empty() { place.clone() } else { hit.location };
                    self.budget.hit(LimitHit { location, ..hit });
                }
                a.classification
            }
            None => Classification::Suspicious,
        };
        let class = if decoded.hidden_after_padding > 0 {
            ev.categories.push(msg!(sinks::OBFUSCATION));
            class.max(Classification::Suspicious)
        } else {
            class
        };
        let rule = match class {
            Classification::Malicious => &lr::MALICIOUS,
            Classification::Suspicious => &lr::SUSPICIOUS,
            Classification::Benign => &lr::PRESENT,
        };
        if repaired {
            let ev = Evidence { sha256: ev.sha256.clone(), ..Evidence::default() };
            self.add(finding(&lr::WINDOWS, None, &p.site.layer, loc.clone(), ev));
        }
        if let Some(i) = self.add(finding(rule, None, &p.site.layer, loc, ev)) {
            self.by_hash.insert(key, i);
        }
    }

    /// The config rules on object `o`; its site (from `place`) is built at its first
    /// finding: most objects (the model's own layers) have none.
    fn object(&mut self, o: &Object, place: &Place, container: &str) {
        let site = std::cell::OnceCell::new();
        let site = || site.get_or_init(|| place.site());
        let loc = || Location { container: container.to_string(), pointer: site().pointer.clone() };
        let mut dotted = std::mem::take(&mut self.dotted);
        dotted.clear();
        if let Some(m) = o.module.as_deref().filter(|m| !m.is_empty()) {
            dotted.push_str(m);
            dotted.push('.');
        }
        dotted.push_str(&o.class_name);
        let ev = |notes: Vec<Message>| Evidence { reference: Some(dotted.clone()), notes, ..Evidence::default() };

        if let Some(name) = o.layer_name.as_deref().filter(|n| cr::is_traversal_name(n)) {
            let note = msg!(en::NOTE_LAYER_NAME, name = format!("{name:?}"));
            self.add(finding(&cr::NAME, None, &site().layer, loc(), ev(vec![note])));
        }
        if cr::is_gadget(&dotted) && o.class_name != "TFSMLayer" {
            let title = msg!(en::TITLE_CONFIG_BUILDS, name = &dotted);
            self.add(finding(&cr::GADGET, Some(title), &site().layer, loc(), ev(vec![])));
        }
        let foreign = o.module.as_deref().filter(|m| !m.is_empty() && !cr::is_keras_module(m));
        if let Some(m) = foreign {
            let note = msg!(en::NOTE_MODULE_CLASS, module = format!("{m:?}"), class = format!("{:?}", o.class_name));
            let mut f = finding(&cr::MODULE, None, &site().layer, loc(), ev(vec![note]));
            if let Some(r) = &o.registered_name {
                f.evidence.notes.push(msg!(en::NOTE_REGISTERED_AS, name = format!("{r:?}")));
            }
            let dangerous = m == "builtins"
                || sinks::classify_module(m).is_some_and(|h| h.danger == sinks::Danger::Malicious)
                || sinks::classify(&dotted).is_some_and(|h| h.danger == sinks::Danger::Malicious);
            if dangerous {
                f.severity = Severity::Critical;
                f.title = Some(msg!(en::TITLE_DANGEROUS_MODULE, module = m));
            }
            self.add(f);
        } else if !o.is_known_class() {
            let mut notes = vec![msg!(en::NOTE_NOT_KERAS_CLASS, class = format!("{:?}", o.class_name))];
            if let Some(r) = &o.registered_name {
                notes.push(msg!(en::NOTE_REGISTERED_AS, name = format!("{r:?}")));
            }
            let title = msg!(en::TITLE_CUSTOM_CLASS, class = o.class_name.as_ref());
            let mut f = finding(&cr::CUSTOM, Some(title), &site().layer, loc(), ev(notes));
            if place.is_root() && o.is_layer {
                // The whole model is code from the loader's environment: nothing to verify.
                f.severity = Severity::High;
                f.title = Some(msg!(en::TITLE_WHOLE_MODEL_CUSTOM, class = o.class_name.as_ref()));
                f.evidence.notes.push(msg!(en::NOTE_NO_ARCHITECTURE));
            }
            self.add(f);
        }
        let cfg_str = |key: &str| o.config.as_ref().and_then(|c| c.get_str(key)).map(Cow::into_owned);
        match o.class_name.as_ref() {
            "StringLookup" | "IntegerLookup" | "TextVectorization" => {
                if let Some(v) = cfg_str("vocabulary") {
                    let note = msg!(en::NOTE_VOCABULARY, value = format!("{v:?}"));
                    self.add(finding(&cr::VOCAB, None, &site().layer, loc(), ev(vec![note])));
                }
            }
            "TFSMLayer" => {
                if let Some(v) = cfg_str("filepath") {
                    let note = msg!(en::NOTE_FILEPATH, value = format!("{v:?}"));
                    self.add(finding(&cr::TFSM, None, &site().layer, loc(), ev(vec![note])));
                }
            }
            "TorchModuleWrapper" => {
                let mut e = ev(vec![]);
                match cfg_str("module") {
                    Some(b64) => torch_module_evidence(&b64, self.limits, self.budget, &mut e),
                    None => e.notes.push(msg!(en::NOTE_NO_TORCH_MODULE)),
                }
                self.add(finding(&cr::TORCH, None, &site().layer, loc(), e));
            }
            _ => {}
        }
        self.dotted = dotted;
    }

    fn hdf5_issue(&mut self, container: &str, issue: &crate::container::hdf5::StorageIssue) {
        use crate::container::hdf5::StorageIssueKind as K;
        let what = match issue.kind {
            K::ExternalDataFiles => en::HDF5_EXTERNAL_FILES,
            K::VirtualDataset => en::HDF5_VIRTUAL,
            K::ExternalLink => en::HDF5_EXTERNAL_LINK,
            K::SoftLink => en::HDF5_SOFT_LINK,
            K::ShapeBomb => en::HDF5_SHAPE_BOMB,
            K::HiddenAttribute => en::HDF5_HIDDEN_ATTRIBUTE,
            K::HiddenLink => en::HDF5_HIDDEN_LINK,
        };
        let rule = match issue.kind {
            K::HiddenAttribute | K::HiddenLink => &crate::rules::hdf5::HIDDEN,
            _ => &cr::HDF5,
        };
        let loc = Location { container: format!("{container} {}", issue.path), pointer: String::new() };
        let ev = Evidence { notes: vec![msg!(en::NOTE_STORAGE_DETAIL, detail = &issue.detail)], ..Evidence::default() };
        self.add(finding(rule, Some(msg!(en::TITLE_HDF5, what = what)), "", loc, ev));
    }

    fn member_issue(&mut self, issue: &crate::container::members::MemberIssue) {
        use crate::container::members::IssueKind;
        let loc = Location { container: issue.member.clone(), pointer: String::new() };
        let note = msg!(en::NOTE_STORAGE_DETAIL, detail = &issue.detail);
        let mut ev = Evidence { notes: vec![note], imports: issue.imports.clone(), ..Evidence::default() };
        let mut f = match issue.kind {
            IssueKind::PathTraversal => finding(&ar::PATH, None, "", loc, ev),
            IssueKind::Executable => finding(&ar::EXEC, None, "", loc, ev),
            IssueKind::OverlappingEntries => finding(&rr::OVERLAP, None, "", loc, ev),
            IssueKind::Pickle => {
                let mut worst = None;
                for g in &issue.imports {
                    if let Some(hit) = sinks::classify(&g.replace("__builtin__.", "builtins.").replace("posix.", "os."))
                    {
                        ev.categories.push(msg!(en::CAT_WITH_GLOBAL, category = hit.category, global = g));
                        worst = worst.max(Some(hit.danger));
                    }
                }
                let mut f = finding(&ar::PICKLE, None, "", loc, ev);
                if worst == Some(sinks::Danger::Malicious) {
                    f.severity = Severity::Critical;
                    f.title = Some(msg!(en::TITLE_PICKLE_DANGEROUS));
                }
                f
            }
        };
        f.evidence.notes.dedup();
        self.add(f);
    }

    fn reference(&mut self, r: &Reference, container: &str) {
        let loc = Location { container: container.to_string(), pointer: r.site.pointer.clone() };
        let dotted = r.dotted();
        let mut ev = Evidence { reference: Some(dotted.clone()), ..Evidence::default() };
        if cr::is_gadget(&dotted) {
            ev.notes.push(msg!(en::NOTE_GADGET_API));
            let title = msg!(en::TITLE_CONFIG_CALLS, name = &dotted);
            self.add(finding(&cr::GADGET, Some(title), &r.site.layer, loc, ev));
            return;
        }
        // Keras 3 writes user functions as module "builtins": `builtins.exec` is the builtin.
        let hit = sinks::classify(&dotted).or_else(|| {
            r.module
                .as_deref()
                .filter(|m| !m.is_empty() && *m != "builtins" && *m != "__main__")
                .and_then(sinks::classify_module)
        });
        match hit {
            Some(h) => {
                ev.categories.push(msg!(h.category));
                let rule = match h.danger {
                    sinks::Danger::Malicious => &lr::MALICIOUS,
                    sinks::Danger::Suspicious => &lr::SUSPICIOUS,
                };
                let title = msg!(en::TITLE_CALLS_BY_NAME, name = &dotted);
                self.add(finding(rule, Some(title), &r.site.layer, loc, ev));
            }
            None => {
                ev.notes.push(msg!(en::NOTE_NAMES_MISSING_FUNCTION, slot = &r.site.slot));
                self.add(finding(&lr::REFERENCE, None, &r.site.layer, loc, ev));
            }
        }
    }
}

/// Decodes a `TorchModuleWrapper` blob (base64 of a `torch.save` zip) and lists the
/// globals its pickle imports.
fn torch_module_evidence(b64: &str, limits: &Limits, budget: &Budget, ev: &mut Evidence) {
    let raw = match payload::a2b_base64(b64.as_bytes()) {
        Ok(d) => d.bytes,
        Err(_) => return ev.notes.push(msg!(en::NOTE_TORCH_NOT_BASE64)),
    };
    let archive = match container::zip::list(&raw, limits) {
        Ok(a) => a,
        Err(e) => return ev.notes.push(msg!(en::NOTE_TORCH_NOT_ZIP, detail = crate::messages::Message::from(e))),
    };
    for m in archive.members.iter().filter(|m| m.name.ends_with(".pkl")) {
        match container::zip::read_member(&raw, m, limits, limits.max_inflated_bytes) {
            Ok(bytes) => {
                let info = container::pickle::scan(&bytes, limits);
                if let Some(hit) = info.limit.clone() {
                    budget.hit(LimitHit { location: format!("TorchModuleWrapper {}", m.name), ..hit });
                }
                ev.imports.extend(info.globals.iter().cloned());
                for g in &info.globals {
                    if let Some(hit) = sinks::classify(&g.replace("__builtin__.", "builtins.")) {
                        ev.categories.push(msg!(en::CAT_WITH_GLOBAL, category = hit.category, global = g));
                    }
                }
                if let Some(e) = info.error {
                    ev.notes.push(msg!(en::NOTE_PICKLE_PARTIAL, member = &m.name, detail = e));
                }
            }
            Err(e) => ev.notes.push(msg!(
                en::NOTE_MEMBER_UNREADABLE,
                member = &m.name,
                detail = crate::messages::Message::from(e)
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Verdict;

    fn scan_bytes(b: &[u8]) -> FileReport {
        scan(&b.to_vec(), "t.json", &Limits::default())
    }

    #[test]
    fn nesting_at_the_depth_limit_scans_and_deeper_is_an_error() {
        let limit = Limits::default().max_json_depth;
        // Run on a thread with a 1 MiB stack, like a browser worker's.
        let r = std::thread::Builder::new()
            .stack_size(1 << 20)
            .spawn(move || {
                // A Keras object under lists, its config at the depth limit.
                let ok = "[".repeat(limit - 2) + r#"{"class_name": "Dense", "config": {}}"# + &"]".repeat(limit - 2);
                let deep = "{\"a\":".repeat(limit + 1) + "1" + &"}".repeat(limit + 1);
                (scan_bytes(ok.as_bytes()).verdict, scan_bytes(deep.as_bytes()))
            })
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(r.0, Verdict::Clean);
        assert_eq!(r.1.verdict, Verdict::Error);
        assert!(r.1.errors[0].message.text.contains("limit"), "{:?}", r.1.errors);
    }

    #[test]
    fn json_without_keras_structure_is_an_error_and_still_scanned() {
        for text in [&br#"{"name": "left-pad", "version": "1.3.0"}"#[..], b"{}", b"[]", b"[1, 2]", b"null", b"\"relu\""]
        {
            let r = scan_bytes(text);
            assert_eq!(r.verdict, Verdict::Error, "{}", String::from_utf8_lossy(text));
            assert!(r.errors[0].message.text.starts_with("not a Keras model"), "{:?}", r.errors);
        }
        // What Keras deserialises: a model, a single layer, a list holding layers (Keras 3
        // deserialises lists and dicts recursively).
        for text in [
            &br#"{"class_name": "Sequential", "config": {"name": "s", "layers": []}}"#[..],
            br#"{"class_name": "Dense", "config": {"name": "d", "trainable": true}}"#,
            br#"[{"class_name": "Dense", "config": {"name": "d", "trainable": true}}]"#,
        ] {
            let r = scan_bytes(text);
            assert_eq!(r.verdict, Verdict::Clean, "{}: {:?}", String::from_utf8_lossy(text), r.errors);
        }
        // A payload in a file that is no model config is still found and reported.
        let custom =
            scan_bytes(br#"{"package": {"class_name": "EvilLayer", "config": {"name": "e", "trainable": true}}}"#);
        assert_eq!(custom.verdict, Verdict::Review, "{:?}", custom.findings);
    }

    #[test]
    fn garbage_is_an_error_never_clean() {
        for junk in
            [&b""[..], b"\x00\x01\x02", b"PK\x03\x04garbage", b"\x89HDF\r\n\x1a\n\x00", b"{\"a\": ", b"\"unterminated"]
        {
            let r = scan_bytes(junk);
            assert_eq!(r.verdict, Verdict::Error, "{junk:?}: {:?}", r.findings);
        }
    }

    fn limited(b: &[u8], set: &[(&str, &str)]) -> FileReport {
        let mut l = Limits::default();
        for (k, v) in set {
            l.set(k, v).unwrap();
        }
        scan(&b.to_vec(), "t.json", &l)
    }

    fn limit_names(r: &FileReport) -> Vec<&'static str> {
        r.errors.iter().filter_map(|e| e.limit).collect()
    }

    /// A Sequential of Lambda layers with the same 60-byte code; `args` per layer.
    fn lambdas(args: &[&str]) -> String {
        let code = {
            let mut b = vec![0xe3, 1, 0, 0, 0];
            b.resize(60, 0);
            b.chunks(3)
                .map(|c| {
                    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
                    let n =
                        (c[0] as u32) << 16 | (*c.get(1).unwrap_or(&0) as u32) << 8 | *c.get(2).unwrap_or(&0) as u32;
                    (0..4).map(|i| A[(n >> (18 - 6 * i) & 63) as usize] as char).collect::<String>()
                })
                .collect::<String>()
        };
        let layers: Vec<String> = args
            .iter()
            .enumerate()
            .map(|(i, a)| {
                format!(
                    r#"{{"class_name": "Lambda", "config": {{"name": "l{i}", "function": ["{code}", null, null], "function_type": "lambda", "arguments": {{"a": "{a}"}}}}}}"#
                )
            })
            .collect();
        format!(r#"{{"class_name": "Sequential", "config": {{"name": "s", "layers": [{}]}}}}"#, layers.join(", "))
    }

    #[test]
    fn ten_megabytes_of_source_text_are_capped_and_named() {
        let text = "import os; os.system('id') ".repeat((10 << 20) / 27);
        let doc = format!(r#"{{"class_name": "Lambda", "config": {{"name": "l", "function": "{text}"}}}}"#);
        let start = std::time::Instant::now();
        let r = scan_bytes(doc.as_bytes());
        assert!(start.elapsed().as_secs() < 10, "{:?}", start.elapsed());
        assert_eq!(limit_names(&r), ["max_source_text_bytes"], "{:?}", r.errors);
        let f = r.findings.iter().find(|f| f.title_text().contains("source text")).unwrap();
        assert!(f.evidence.source.as_ref().unwrap().len() <= Limits::default().max_source_text_bytes + 4);
        assert_eq!(f.evidence.calls, ["os.system"], "each name once");
        assert_ne!(r.verdict, Verdict::Clean);
    }

    #[test]
    fn also_at_functions_and_findings_are_capped_by_name() {
        let doc = lambdas(&["x"; 6]);
        let r = limited(doc.as_bytes(), &[("max_also_at", "2")]);
        let f = r.findings.iter().find(|f| f.code.starts_with("PAIT")).unwrap();
        assert_eq!(f.evidence.also_at.len(), 2);
        assert!(f.evidence.notes.iter().any(|n| n.text.contains("3 more places")), "{:?}", f.evidence.notes);
        assert_eq!(limit_names(&r), ["max_also_at"]);
        assert_eq!(limit_names(&scan_bytes(doc.as_bytes())), Vec::<&str>::new());

        let doc = lambdas(&["a", "b", "c", "d"]);
        let r = limited(doc.as_bytes(), &[("max_functions", "2")]);
        assert_eq!(limit_names(&r), ["max_functions"]);
        let r = limited(doc.as_bytes(), &[("max_findings", "1")]);
        assert_eq!(limit_names(&r), ["max_findings"]);
        assert_eq!(r.findings.len(), 1);
    }

    #[test]
    fn errors_are_capped_keeping_limit_errors() {
        let mut errors: Vec<ScanError> = (0..10).map(|i| ScanError::unreadable("x", format!("e{i}"))).collect();
        let l = Limits { max_errors: 3, ..Limits::default() };
        errors.push(ScanError::from_limit(&LimitHit::new("max_work", "f", msg!(en::LIM_WORK, max = 1u64)), &l));
        cap_errors(&mut errors, &l);
        assert_eq!(errors.len(), 4);
        assert_eq!(errors[0].limit, Some("max_work"));
        assert_eq!(errors[3].limit, Some("max_errors"));
        assert!(errors[3].message.text.contains("8 more errors"), "{}", errors[3].message);
    }

    #[test]
    fn the_budget_stops_work_reads_memory_and_time_by_name() {
        let doc = lambdas(&["a", "b"]);
        let r = limited(doc.as_bytes(), &[("max_work", "100")]);
        assert_eq!(limit_names(&r), ["max_work"]);
        assert_eq!(r.verdict, Verdict::Error);
        assert!(r.findings.is_empty(), "nothing analysed past the budget");
        let r = limited(doc.as_bytes(), &[("max_memory_bytes", "1000")]);
        assert_eq!(limit_names(&r), ["max_memory_bytes"]);
        assert_eq!(r.verdict, Verdict::Error);
        let ok = scan_bytes(doc.as_bytes());
        assert!(ok.stats.work_units > 0 && ok.stats.memory_estimate > 0, "{:?}", ok.stats);
        // A zip read whole costs its length; 0× + 1 MiB allows less than a 2 MiB file.
        let big = [&b"{\"a\": \""[..], &vec![b'x'; 2 << 20], b"\"}"].concat();
        let r = limited(&big, &[("max_read_factor", "0")]);
        assert!(limit_names(&r).contains(&"max_read_factor"), "{:?}", r.errors);
        assert_eq!(r.verdict, Verdict::Error);
        // The deadline hook: stop at once.
        let stop = || true;
        let r = scan_with(&doc.as_bytes().to_vec(), "t.json", &Limits::default(), Some(&stop));
        assert!(limit_names(&r).contains(&"max_scan_ms"), "{:?}", r.errors);
        assert_eq!(r.verdict, Verdict::Error);
    }

    #[test]
    fn the_same_code_with_other_arguments_is_reported_apart() {
        let doc = lambdas(&["x", "y", "x"]);
        let r = scan_bytes(doc.as_bytes());
        let lambdas: Vec<&Finding> = r.findings.iter().filter(|f| f.code.starts_with("PAIT")).collect();
        assert_eq!(lambdas.len(), 2, "{lambdas:#?}");
        assert_eq!(lambdas.iter().map(|f| f.evidence.also_at.len()).sum::<usize>(), 1);
    }
}
