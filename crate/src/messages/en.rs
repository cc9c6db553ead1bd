//! The English catalogue: every message id the scanner emits and its template. The
//! Turkish texts are in `tr.rs` (a test fails when one is missing).

use super::Template;

/// Defines each entry as a `Template` constant and lists them all in [`ALL`].
macro_rules! catalogue {
    ($($name:ident $id:literal $en:literal;)*) => {
        $(pub const $name: Template = Template { id: $id, en: $en };)*
        /// Every message of the catalogue.
        pub const ALL: &[Template] = &[$($name),*];
    };
}

catalogue! {
    // Categories of evidence (rules::sinks and the code analysis).
    CAT_CMD "category.command_execution" "command execution";
    CAT_DYN "category.dynamic_code" "dynamic code";
    CAT_DESER "category.deserializer" "code-executing deserializer";
    CAT_NATIVE "category.native_code" "native code";
    CAT_WRITE "category.changes_system" "changes the system";
    CAT_ESCAPE "category.sandbox_escape" "sandbox escape";
    CAT_ENV "category.environment" "environment access";
    CAT_NET "category.network" "network";
    CAT_FINGERPRINT "category.fingerprinting" "host fingerprinting";
    CAT_READ "category.file_read" "file read or listing";
    CAT_OBFUSCATION "category.obfuscation" "obfuscation or indirection";
    CAT_BACKGROUND "category.background" "timing or background work";
    CAT_FOREIGN_IMPORT "category.foreign_import" "import outside the ML set";
    CAT_GADGET "category.loading_gadget" "Keras loading gadget";
    CAT_UNVERIFIED "category.cannot_verify" "cannot verify";
    CAT_UNVERIFIABLE_CODE "category.unverifiable_code" "unverifiable code";
    CAT_INCOMPLETE "category.incomplete_analysis" "incomplete analysis";
    CAT_WITH_GLOBAL "category.with_global" "{category} ({global})";

    // How a function was stored (keras::Shape).
    SHAPE_KERAS2_LIST "shape.keras2_triple" "Keras 1/2 function triple";
    SHAPE_KERAS1_STRING "shape.keras1_string" "Keras 1.0 bare code string";
    SHAPE_SAVEDMODEL_TUPLE "shape.savedmodel_tuple" "SavedModel __tuple__";
    SHAPE_KERAS3_CODE "shape.keras3_code" "Keras 3 __lambda__ (code)";
    SHAPE_KERAS3_VALUE "shape.keras3_value" "__lambda__ (value)";
    SHAPE_BARE_VALUE "shape.bare_value" "bare {\"value\": [...]}";
    SHAPE_UNKNOWN "shape.unknown" "code found outside a known slot";

    // Titles naming the specific thing a finding is about (the rule's own title is in
    // the report's `rules`).
    TITLE_SOURCE_TEXT "title.source_text" "Lambda holds source text instead of code";
    TITLE_CONTAINER_ODDITY "title.container_oddity" "Container oddity";
    TITLE_SAVEDMODEL_OP "title.savedmodel_op" "SavedModel graph runs {op}";
    TITLE_STORED_MEMBER_POLYGLOT "title.stored_member_polyglot" "The archive's stored member {member} is also readable as the whole file (HDF5)";
    TITLE_CONFIG_BUILDS "title.config_builds" "Config builds {name}";
    TITLE_CONFIG_CALLS "title.config_calls" "Config calls {name}";
    TITLE_DANGEROUS_MODULE "title.dangerous_module" "Object from dangerous module {module}";
    TITLE_CUSTOM_CLASS "title.custom_class" "Custom class {class}";
    TITLE_WHOLE_MODEL_CUSTOM "title.whole_model_custom" "The whole model is custom class {class}";
    TITLE_HDF5 "title.hdf5" "HDF5 {what}";
    TITLE_PICKLE_DANGEROUS "title.pickle_dangerous" "Pickle inside the archive imports a dangerous callable";
    TITLE_CALLS_BY_NAME "title.calls_by_name" "Lambda calls {name} by name";
    HDF5_EXTERNAL_FILES "hdf5.external_files" "dataset stored in external files";
    HDF5_VIRTUAL "hdf5.virtual_dataset" "virtual dataset (data mapped from other files)";
    HDF5_EXTERNAL_LINK "hdf5.external_link" "external link to another file";
    HDF5_SOFT_LINK "hdf5.soft_link" "soft link";
    HDF5_SHAPE_BOMB "hdf5.shape_bomb" "dataset declaring far more data than it stores";
    HDF5_HIDDEN_ATTRIBUTE "hdf5.hidden_attribute" "attribute hidden from h5py";
    HDF5_HIDDEN_LINK "hdf5.hidden_link" "link hidden from h5py";

    // Evidence notes of the scan (scan.rs).
    NOTE_READINGS "note.readings" "readings: {formats} (the first is the one Keras takes under this file name); each was scanned";
    NOTE_HDF5_SIGNATURE "note.hdf5_signature" "HDF5 signature at offset {offset}";
    NOTE_HDF5_IS_MEMBER "note.hdf5_is_member" "the HDF5 reading is the stored member {member}: h5py opens the whole file as that member";
    NOTE_GRAPH_NODE "note.graph_node" "node {node} in {place}";
    PLACE_MAIN_GRAPH "place.main_graph" "the main graph";
    PLACE_FUNCTION "place.function" "function {name}";
    NOTE_MORE_PLACES "note.more_places" "found at {count} more places, not listed (limit max_also_at)";
    NOTE_SOURCE_TEXT "note.source_text" "the function slot holds text, not marshalled code: Keras cannot load it, and it cannot be verified";
    NOTE_STORED_AS "note.stored_as" "stored as {shape} in `{slot}`";
    NOTE_PAYLOAD_TOO_LARGE "note.payload_too_large" "payload larger than the limit of {max} bytes; not analysed";
    NOTE_BOUND_VALUE "note.bound_value" "{field}: {value}";
    NOTE_LAYER_NAME "note.layer_name" "layer name {name}";
    NOTE_MODULE_CLASS "note.module_class" "module {module}, class {class}";
    NOTE_REGISTERED_AS "note.registered_as" "registered as {name}";
    NOTE_NOT_KERAS_CLASS "note.not_keras_class" "class {class} is not defined by Keras";
    NOTE_NO_ARCHITECTURE "note.no_architecture" "the file holds no architecture that can be checked; all of it runs from the loader's code";
    NOTE_VOCABULARY "note.vocabulary" "vocabulary {value}";
    NOTE_FILEPATH "note.filepath" "filepath {value}";
    NOTE_NO_TORCH_MODULE "note.no_torch_module" "no serialized module in the config";
    NOTE_TORCH_NOT_BASE64 "note.torch_not_base64" "the serialized module is not valid base64";
    NOTE_TORCH_NOT_ZIP "note.torch_not_zip" "the serialized module is not a torch zip: {detail}";
    NOTE_PICKLE_PARTIAL "note.pickle_partial" "{member}: pickle not fully read: {detail}";
    NOTE_MEMBER_UNREADABLE "note.member_unreadable" "{member}: {detail}";
    NOTE_GADGET_API "note.gadget_api" "a Keras API that loads, downloads, writes or disables safe mode while the model loads";
    NOTE_NAMES_MISSING_FUNCTION "note.names_missing_function" "`{slot}` names a function whose code is not in the file";
    NOTE_STORAGE_DETAIL "note.storage_detail" "{detail}";

    // Decoding the payload (python::payload).
    NOTE_B64_TRAILING "note.base64_trailing" "{count} characters after the base64 padding are ignored by Keras (data hidden after the end)";
    NOTE_B64_SKIPPED "note.base64_skipped" "{count} characters outside the base64 alphabet were skipped, as Python's binascii does";
    NOTE_NOT_BASE64 "note.not_base64" "not valid base64 ({why}); read as a raw_unicode_escape string, as Keras falls back to";
    B64_EXCESS "base64.excess" "{count} data characters, one more than a multiple of 4";
    B64_PADDING "base64.padding" "incorrect padding";

    // The code analysis (python, rules::code, python::eval).
    NOTE_WINDOWS_REPAIRED "note.windows_repaired" "saved on Windows: Keras replaced 0x5C bytes with 0x2F in the marshalled code; {count} byte(s) restored before analysis (string constants may show '/' where the author wrote '\\')";
    NOTE_NOT_CODE_OBJECT "note.not_code_object" "the payload does not decode to a marshalled Python code object";
    NOTE_NO_PYTHON_VERSION "note.no_python_version" "the code cannot be verified: no Python version (2.7, 3.0 – 3.15) reads it, even after the Windows repair ({detail})";
    NOTE_VERSIONS_IDENTICAL "note.versions_identical" "Python {versions}: these versions decode the code identically";
    NOTE_WINDOWS_MAYBE "note.windows_maybe" "saved on Windows: Keras may have replaced 0x5C bytes with 0x2F; on Python 3.13+ such damage can stay valid bytecode, so operands equal to 47 may originally have been 92";
    NOTE_CATEGORY "note.category" "{category}: {what}";
    NOTE_DANGEROUS_MODULE_GLOBALS "note.dangerous_module_globals" "the function's globals come from module {module}, a dangerous module: its bare names are its functions";
    NOTE_UNVERIFIED_NAMES "note.unverified_names" "the unverified code names {name} ({category})";
    NOTE_HELPERS "note.helpers" "global(s) {names} are not defined in the file: the loading program must supply them (helpers; their code is not analysed)";
    NOTE_ML_ADJACENT "note.ml_adjacent_import" "imports {module} (a common data-science library, treated as part of the machine-learning set)";
    NOTE_FUNC_LOAD "note.func_load" "func_load payload decoded (Python {versions}) and analysed";
    NOTE_PROJECT_MODULE "note.project_module" "the function's globals come from module {module}, which is the project's own code (not in the file): its names are helpers the loading program supplies";
    NOTE_ASSIGNS_GLOBAL "note.assigns_global" "the function assigns the global {name}";
    NOTE_STAR_IMPORT "note.star_import" "from {module} import *";
    NOTE_INCOMPLETE "note.incomplete" "incomplete analysis: {reason}";
    WHAT_URL_LITERAL "what.url_literal" "URL or IP address literal {value}";
    WHAT_IMPORT "what.import" "import {module}";
    WHAT_MODE_UNKNOWN "what.mode_unknown" "{call} (mode not known: may write)";
    WHAT_FLAGS_UNKNOWN "what.flags_unknown" "{call} (flags not known: may write)";
    WHAT_UNREVIEWED_TENSOR_METHOD "what.unreviewed_tensor_method" ".{method}() of a value computed from the inputs is not a reviewed tensor method: {call}";
    WHAT_UNREVIEWED_METHOD "what.unreviewed_method" "{owner}.{method} is not a reviewed method: {call}";
    WHAT_UNREVIEWED_OPERATION "what.unreviewed_operation" "{name} is not a reviewed operation: {call}";
    WHAT_LOST_CALL "what.lost_call" "call of a value the analysis could not follow: {call}";
    WHAT_RUNTIME_CODE "what.runtime_code" "code loaded at run time: {call}";
    WHAT_COMPUTED_IMPORT "what.computed_import" "import of a computed module name: {call}";
    WHAT_COMPUTED_GETATTR "what.computed_getattr" "getattr with a computed name: {call}";
    WHAT_ASSIGNMENT "what.assignment" "assignment to {target}";
    WHAT_COMPUTED_NAME "what.computed_name" "{function} with a computed name";
    WHAT_STRING_BUILT "what.string_built" "string built with {function}";
    WHAT_STRING_JOINED "what.string_joined" "string joined from computed pieces";
    WHAT_NAMESPACE "what.namespace" "namespace used through {name}: {call}";
    WHAT_FUNC_LOAD_NOT_CODE "what.func_load_not_code" "the payload given to func_load does not decode to code: {detail}";
    WHAT_EXCEPT_CALLS "what.except_calls" "{count} call(s) in exception-handling code of {function} the evaluation did not follow: what they call is not known";
    WHAT_OPERATOR_COMPUTED "what.operator_computed" "operator.{function} with a computed name";
    INC_NESTED_FUNC_LOAD "incomplete.nested_func_load" "func_load payloads nested deeper than the budget";
    INC_NESTED_CALLS "incomplete.nested_calls" "nested calls deeper than the budget";
    INC_NO_CODE_OBJECT "incomplete.no_code_object" "MAKE_FUNCTION without a code object";
    INC_TOO_MANY_FACTS "incomplete.too_many_facts" "more than {max} facts recorded";
    INC_NO_DISASSEMBLY "incomplete.no_disassembly" "{function} does not disassemble: {detail}";
    INC_STEP_BUDGET "incomplete.step_budget" "step budget of {max} instructions exhausted";
    INC_PAST_END "incomplete.past_end" "{function} runs past its last instruction";
    INC_BAD_JUMP "incomplete.bad_jump" "jump to {offset}, not an instruction";
    INC_FORK_BUDGET "incomplete.fork_budget" "fork budget of {max} branches exhausted; only one side followed";
    INC_STACK_UNDERFLOW_IN "incomplete.stack_underflow_in" "stack underflow in {function}";
    INC_STACK_UNDERFLOW "incomplete.stack_underflow" "stack underflow";
    INC_STACK_RANGE "incomplete.stack_range" "stack access out of range";
    INC_LOCAL_RANGE "incomplete.local_range" "store to a local out of range";
    INC_BIG_CONTAINER "incomplete.big_container" "a container larger than {max} items";
    INC_LONG_ITERABLE "incomplete.long_iterable" "an iterable of {count} items is longer than the walk limit of {max}";
    INC_ROTATION "incomplete.rotation" "rotation beyond the stack";
    INC_SWAP "incomplete.swap" "SWAP beyond the stack";
    INC_UNSUPPORTED_OPCODE "incomplete.unsupported_opcode" "unsupported opcode {opcode}";
    INC_NO_TARGET "incomplete.no_target" "{opcode} without a target";
    INC_FOR_ITER_EMPTY "incomplete.for_iter_empty" "FOR_ITER on an empty stack";
    INC_LOOP_BUDGET "incomplete.loop_budget" "loop iteration budget exhausted";
    INC_NOT_MODELLED "incomplete.not_modelled" "{opcode} is not modelled";

    // The containers (container::*).
    NOTE_AT "note.at" "{place}: {note}";
    NOTE_BOM "note.bom" "starts with a UTF-8 byte-order mark (json.loads strips it)";
    NOTE_ENCODED_AS "note.encoded_as" "encoded as {encoding} ({how}); Python's json.loads detects and decodes it";
    ENC_WITH_BOM "encoding.with_bom" "with a byte-order mark";
    ENC_FROM_ZEROS "encoding.from_zeros" "detected from the zero bytes";
    NOTE_LONE_SURROGATES "note.lone_surrogates" "{count} unpaired UTF-16 surrogate(s) in the bytes, accepted by json.loads ('surrogatepass'); read as U+FFFD";
    NOTE_SHADOWED_METADATA "note.shadowed_metadata" "{count} more metadata value(s) that Python's protobuf parses and drops (a repeated singular field or a cleared oneof member); all are scanned";
    NOTE_ZIP_PREFIX "note.zip_prefix" "{count} bytes precede the zip archive";
    NOTE_ZIP_OFFSET "note.zip_offset" "the central directory's offset field is {count} bytes past where it is; zipfile shifts every member by that";
    NOTE_ZIP_COUNT "note.zip_count" "the end record announces {announced} entries, the central directory holds {held}; zipfile reads the directory";
    NOTE_ZIP_LIST "note.zip_list" "{what}: {items}";
    NOTE_ZIP_LIST_MORE "note.zip_list_more" "{what}: {items}; and {count} more";
    ZIP_NUL_CUT "zip.nul_cut" "member names with a NUL byte, which zipfile cuts there";
    ZIP_LOCAL_DIFFERS "zip.local_differs" "members whose local header gives another name, which zipfile refuses to open";
    ZIP_DUPLICATED "zip.duplicated" "member names that appear more than once; Python's zipfile loads the last, all are scanned";
    LEN_NON_FINITE "json.non_finite" "non-finite number (NaN/Infinity) at {pointer}";
    LEN_DUPLICATE_KEY "json.duplicate_key" "duplicate key {key} in the object at {pointer} (Python keeps the last)";
    LEN_LONE_SURROGATE "json.lone_surrogate" "unpaired UTF-16 surrogate escape at {pointer}";
    LEN_LONG_INTEGER "json.long_integer" "integer of {digits} digits at {pointer}: Python 3.11+ refuses more than 4300 digits, older versions load it";
    LEN_MORE "json.more" "{count} more JSON leniencies not listed";

    // Errors and limits.
    ERR_UNREADABLE "error.unreadable" "{detail}";
    ERR_CANNOT_OPEN "error.cannot_open" "cannot open: {detail}";
    ERR_NOT_MODEL_FILE "error.not_model_file" "not a Keras model file: no HDF5 signature, zip archive, JSON document or Keras SavedModel metadata";
    ERR_NOT_KERAS_HDF5 "error.not_keras_hdf5" "not a Keras model file: an HDF5 file without the attributes or groups Keras writes (model_config, layer_names, keras_version, model_weights, layers/vars)";
    ERR_NOT_KERAS_CONFIG "error.not_keras_config" "not a Keras model config: no object with a class_name, the structure Keras deserialises";
    ERR_SCANNER_FAILED "error.scanner_failed" "the scanner failed on this file (internal error: {detail}); the other files were scanned";
    ERR_LIMIT "error.limit" "{what} (limit {limit} = {value})";
    ERR_WATCHDOG "error.watchdog" "scan stopped after {seconds} s: the scan engine was stopped and restarted for the next file (limit max_scan_ms = {ms})";
    ERR_CANCELLED "error.cancelled" "scan cancelled by the user";
    ERR_SERIALIZE "error.serialize" "report could not be serialized: {detail}";
    LIM_FINDINGS "limit.findings" "{count} more findings were not listed";
    LIM_ERRORS "limit.errors" "{count} more errors were not listed";
    LIM_SOURCE_TEXT "limit.source_text" "function source text of {bytes} bytes; only the first {max} were examined";
    LIM_ALSO_AT "limit.also_at" "a payload found in more places than are listed";
    LIM_FUNCTIONS "limit.functions" "more than {max} distinct functions; the rest were not analysed";
    LIM_SCAN_MS "limit.scan_ms" "the scan was stopped after {max} ms";
    LIM_WORK "limit.work" "more than {max} work units";
    LIM_READ "limit.read" "more than {allowed} bytes read ({factor}× the file length + 1 MiB)";
    LIM_MEMORY "limit.memory" "would need about {total} bytes of memory, more than {max}";
    LIM_REPAIR_ATTEMPTS "limit.repair_attempts" "the Windows-repair search stopped after {count} variants tried; a repair may exist that was not tried";
    LIM_REPAIR_BYTES "limit.repair_bytes" "the Windows-repair search stopped after {count} payload bytes re-parsed; a repair may exist that was not tried";
    LIM_PICKLE "limit.pickle" "pickle not read to the end: {detail}";
}
