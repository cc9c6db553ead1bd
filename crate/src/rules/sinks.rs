//! The dotted names the Lambda rules care about (detection-rules.md), in one table.
//!
//! Both the code analysis (a resolved call such as `os.system`) and the config rules (a
//! function reference `{"module": "builtins", "config": "exec"}`) classify names here,
//! so a sink is a sink however it is reached.

/// How bad reaching a name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Danger {
    /// PAIT-KERAS-102 material: unusual for a model, not a definitive sink.
    Suspicious,
    /// PAIT-KERAS-101 material: no tensor computation needs it.
    Malicious,
}

/// A classified name: its category (shown to users) and how bad it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub danger: Danger,
    pub category: Template,
}

// Category labels, shown in evidence (catalogue messages: translated where shown).
pub const CMD: Template = en::CAT_CMD;
pub const DYN: Template = en::CAT_DYN;
pub const DESER: Template = en::CAT_DESER;
pub const NATIVE: Template = en::CAT_NATIVE;
pub const WRITE: Template = en::CAT_WRITE;
pub const ESCAPE: Template = en::CAT_ESCAPE;
pub const ENV: Template = en::CAT_ENV;
pub const NET: Template = en::CAT_NET;
pub const FINGERPRINT: Template = en::CAT_FINGERPRINT;
pub const READ: Template = en::CAT_READ;
pub const OBFUSCATION: Template = en::CAT_OBFUSCATION;
pub const BACKGROUND: Template = en::CAT_BACKGROUND;
pub const FOREIGN_IMPORT: Template = en::CAT_FOREIGN_IMPORT;
pub const GADGET: Template = en::CAT_GADGET;
pub const UNVERIFIED: Template = en::CAT_UNVERIFIED;

use crate::messages::{en, Template};
use Danger::{Malicious as M, Suspicious as S};

/// (pattern, danger, category). A pattern ending in `.*` matches every attribute of
/// that module; otherwise the match is exact. Aliased module names (`posix`, `nt`,
/// `_pickle`, …) are listed explicitly because `module` fields and `__import__` use them.
const TABLE: &[(&str, Danger, Template)] = &[
    // command execution
    ("os.system", M, CMD),
    ("posix.system", M, CMD),
    ("nt.system", M, CMD),
    ("os.popen", M, CMD),
    ("posix.popen", M, CMD),
    ("nt.popen", M, CMD),
    ("os.execl", M, CMD),
    ("os.execle", M, CMD),
    ("os.execlp", M, CMD),
    ("os.execlpe", M, CMD),
    ("os.execv", M, CMD),
    ("os.execve", M, CMD),
    ("os.execvp", M, CMD),
    ("os.execvpe", M, CMD),
    ("posix.execv", M, CMD),
    ("posix.execve", M, CMD),
    ("os.spawnl", M, CMD),
    ("os.spawnle", M, CMD),
    ("os.spawnlp", M, CMD),
    ("os.spawnlpe", M, CMD),
    ("os.spawnv", M, CMD),
    ("os.spawnve", M, CMD),
    ("os.spawnvp", M, CMD),
    ("os.spawnvpe", M, CMD),
    ("os.posix_spawn", M, CMD),
    ("os.posix_spawnp", M, CMD),
    ("posix.posix_spawn", M, CMD),
    ("os.fork", M, CMD),
    ("os.forkpty", M, CMD),
    ("posix.fork", M, CMD),
    ("os.kill", M, CMD),
    ("os.killpg", M, CMD),
    ("posix.kill", M, CMD),
    ("os.startfile", M, CMD),
    ("nt.startfile", M, CMD),
    ("subprocess.*", M, CMD),
    ("_posixsubprocess.*", M, CMD),
    ("pty.spawn", M, CMD),
    ("pty.fork", M, CMD),
    ("asyncio.create_subprocess_exec", M, CMD),
    ("asyncio.create_subprocess_shell", M, CMD),
    ("commands.*", M, CMD),
    ("popen2.*", M, CMD),
    ("platform.popen", M, CMD),
    // dynamic code
    ("builtins.exec", M, DYN),
    ("builtins.eval", M, DYN),
    ("builtins.compile", M, DYN),
    ("builtins.execfile", M, DYN),
    ("__builtin__.exec", M, DYN),
    ("__builtin__.eval", M, DYN),
    ("__builtin__.execfile", M, DYN),
    ("__builtin__.compile", M, DYN),
    ("runpy.*", M, DYN),
    ("code.interact", M, DYN),
    ("code.InteractiveInterpreter", M, DYN),
    ("code.InteractiveConsole", M, DYN),
    ("types.FunctionType", M, DYN),
    ("types.CodeType", M, DYN),
    ("types.LambdaType", M, DYN),
    ("importlib.reload", M, DYN),
    ("imp.load_source", M, DYN),
    ("imp.load_module", M, DYN),
    ("importlib.machinery.SourceFileLoader", M, DYN),
    // deserializers that run code
    ("pickle.load", M, DESER),
    ("pickle.loads", M, DESER),
    ("pickle.Unpickler", M, DESER),
    ("_pickle.load", M, DESER),
    ("_pickle.loads", M, DESER),
    ("_pickle.Unpickler", M, DESER),
    ("cPickle.load", M, DESER),
    ("cPickle.loads", M, DESER),
    ("dill.*", M, DESER),
    ("cloudpickle.*", M, DESER),
    ("marshal.loads", M, DESER),
    ("marshal.load", M, DESER),
    ("joblib.load", M, DESER),
    ("shelve.open", M, DESER),
    ("yaml.load", M, DESER),
    ("yaml.unsafe_load", M, DESER),
    ("yaml.full_load", M, DESER),
    ("torch.load", M, DESER),
    ("numpy.load", M, DESER),
    ("np.load", M, DESER),
    ("pandas.read_pickle", M, DESER),
    // native code
    ("ctypes.*", M, NATIVE),
    ("_ctypes.*", M, NATIVE),
    ("cffi.*", M, NATIVE),
    // changing the system
    ("os.remove", M, WRITE),
    ("os.unlink", M, WRITE),
    ("os.rmdir", M, WRITE),
    ("os.removedirs", M, WRITE),
    ("os.rename", M, WRITE),
    ("os.renames", M, WRITE),
    ("os.replace", M, WRITE),
    ("os.chmod", M, WRITE),
    ("os.chown", M, WRITE),
    ("os.lchown", M, WRITE),
    ("os.symlink", M, WRITE),
    ("os.link", M, WRITE),
    ("os.mkdir", M, WRITE),
    ("os.makedirs", M, WRITE),
    ("os.truncate", M, WRITE),
    ("os.write", M, WRITE),
    ("os.dup2", M, WRITE),
    ("os.chdir", M, WRITE),
    ("os.chroot", M, WRITE),
    ("os.setuid", M, WRITE),
    ("os.putenv", S, ENV),
    ("posix.remove", M, WRITE),
    ("posix.unlink", M, WRITE),
    ("posix.write", M, WRITE),
    ("shutil.rmtree", M, WRITE),
    ("shutil.move", M, WRITE),
    ("shutil.copy", M, WRITE),
    ("shutil.copy2", M, WRITE),
    ("shutil.copyfile", M, WRITE),
    ("shutil.copytree", M, WRITE),
    ("shutil.copyfileobj", M, WRITE),
    ("shutil.chown", M, WRITE),
    ("shutil.unpack_archive", M, WRITE),
    ("pathlib.Path.write_text", M, WRITE),
    ("pathlib.Path.write_bytes", M, WRITE),
    ("pathlib.Path.unlink", M, WRITE),
    ("pathlib.Path.rename", M, WRITE),
    ("pathlib.Path.chmod", M, WRITE),
    ("pathlib.Path.rmdir", M, WRITE),
    ("pathlib.Path.mkdir", M, WRITE),
    ("pathlib.Path.touch", M, WRITE),
    ("pathlib.Path.replace", M, WRITE),
    ("pathlib.Path.symlink_to", M, WRITE),
    ("tempfile.*", M, WRITE),
    ("io.FileIO", S, READ),
    ("logging.FileHandler", M, WRITE),
    ("logging.handlers.*", M, WRITE),
    ("posixpath.expanduser", S, READ),
    // sandbox escape gadgets
    ("sys._getframe", M, ESCAPE),
    ("gc.get_objects", M, ESCAPE),
    ("gc.get_referrers", M, ESCAPE),
    ("builtins.breakpoint", M, ESCAPE),
    ("sys.settrace", M, ESCAPE),
    ("sys.setprofile", M, ESCAPE),
    ("sys.addaudithook", M, ESCAPE),
    // environment
    ("os.environ", S, ENV),
    ("os.getenv", S, ENV),
    ("os.environb", S, ENV),
    ("posix.environ", S, ENV),
    ("os.getenvb", S, ENV),
    // network
    ("socket.*", S, NET),
    ("_socket.*", S, NET),
    ("urllib.*", S, NET),
    ("urllib2.*", S, NET),
    ("urllib3.*", S, NET),
    ("http.*", S, NET),
    ("httplib.*", S, NET),
    ("requests.*", S, NET),
    ("aiohttp.*", S, NET),
    ("httpx.*", S, NET),
    ("ftplib.*", S, NET),
    ("smtplib.*", S, NET),
    ("telnetlib.*", S, NET),
    ("xmlrpc.*", S, NET),
    ("xmlrpclib.*", S, NET),
    ("webbrowser.*", S, NET),
    ("ssl.*", S, NET),
    ("dns.*", S, NET),
    ("paramiko.*", S, NET),
    ("asyncio.open_connection", S, NET),
    ("poplib.*", S, NET),
    ("imaplib.*", S, NET),
    ("nntplib.*", S, NET),
    // fingerprinting
    ("platform.*", S, FINGERPRINT),
    ("getpass.*", S, FINGERPRINT),
    ("os.getlogin", S, FINGERPRINT),
    ("os.uname", S, FINGERPRINT),
    ("pwd.*", S, FINGERPRINT),
    ("grp.*", S, FINGERPRINT),
    ("uuid.getnode", S, FINGERPRINT),
    ("os.getuid", S, FINGERPRINT),
    ("os.getpid", S, FINGERPRINT),
    ("os.cpu_count", S, FINGERPRINT),
    ("sys.platform", S, FINGERPRINT),
    ("psutil.*", S, FINGERPRINT),
    // reading files, listing directories
    ("builtins.open", S, READ),
    ("io.open", S, READ),
    ("codecs.open", S, READ),
    ("os.open", S, READ),
    ("os.listdir", S, READ),
    ("os.scandir", S, READ),
    ("os.walk", S, READ),
    ("glob.*", S, READ),
    ("pathlib.Path.read_text", S, READ),
    ("pathlib.Path.read_bytes", S, READ),
    ("pathlib.Path.open", S, READ),
    ("pathlib.Path.glob", S, READ),
    ("pathlib.Path.iterdir", S, READ),
    ("os.path.expanduser", S, READ),
    ("builtins.file", S, READ),
    ("__builtin__.file", S, READ),
    ("__builtin__.open", S, READ),
    // obfuscation and indirection
    ("base64.*", S, OBFUSCATION),
    ("binascii.*", S, OBFUSCATION),
    ("codecs.decode", S, OBFUSCATION),
    ("codecs.encode", S, OBFUSCATION),
    ("zlib.*", S, OBFUSCATION),
    ("bz2.*", S, OBFUSCATION),
    ("lzma.*", S, OBFUSCATION),
    ("gzip.*", S, OBFUSCATION),
    ("bytes.fromhex", S, OBFUSCATION),
    ("builtins.getattr", S, OBFUSCATION),
    ("builtins.setattr", S, OBFUSCATION),
    ("builtins.delattr", S, OBFUSCATION),
    ("builtins.__import__", S, OBFUSCATION),
    ("importlib.*", S, OBFUSCATION),
    ("builtins.globals", S, OBFUSCATION),
    ("builtins.locals", S, OBFUSCATION),
    ("builtins.vars", S, OBFUSCATION),
    ("sys.modules", S, OBFUSCATION),
    ("builtins.__builtins__", M, ESCAPE),
    // timing and background work
    ("threading.*", S, BACKGROUND),
    ("_thread.*", S, BACKGROUND),
    ("thread.*", S, BACKGROUND),
    ("multiprocessing.*", S, BACKGROUND),
    ("concurrent.*", S, BACKGROUND),
    ("asyncio.*", S, BACKGROUND),
    ("atexit.*", S, BACKGROUND),
    ("signal.*", S, BACKGROUND),
    ("time.sleep", S, BACKGROUND),
    ("sched.*", S, BACKGROUND),
];

/// Dunder attributes that are sandbox-escape gadgets wherever they are read.
const ESCAPE_ATTRS: &[&str] = &[
    "__subclasses__",
    "__globals__",
    "__builtins__",
    "__code__",
    "__bases__",
    "__mro__",
    "__base__",
    "f_globals",
    "f_builtins",
    "f_back",
    "gi_frame",
    "tb_frame",
    "__getattribute__",
    "__reduce__",
    "__reduce_ex__",
    "func_globals",
    "__closure__",
];

/// Modules whose plain use is ordinary model code.
const ML_MODULES: &[&str] = &[
    "tensorflow",
    "tf",
    "keras",
    "tf_keras",
    "numpy",
    "np",
    "math",
    "jax",
    "jnp",
    "torch",
    "functools",
    "operator",
    "K",
    "backend",
    "keras_hub",
    "keras_cv",
    "keras_nlp",
    "builtins",
    "__builtin__",
    "__main__",
    "cmath",
    "random",
    "collections",
    "itertools",
    "typing",
];

/// Classifies a fully resolved dotted name (`os.system`, `builtins.exec`, `socket.socket`).
pub fn classify(dotted: &str) -> Option<Hit> {
    let mut best: Option<Hit> = None;
    for &(pat, danger, category) in TABLE {
        let matched = match pat.strip_suffix(".*") {
            Some(module) => dotted == module || dotted.strip_prefix(module).is_some_and(|rest| rest.starts_with('.')),
            None => dotted == pat || dotted.strip_prefix(pat).is_some_and(|rest| rest.starts_with('.')),
        };
        if matched && best.is_none_or(|b| danger > b.danger) {
            best = Some(Hit { danger, category });
        }
    }
    if best.is_none() {
        if let Some(last) = dotted.rsplit('.').next() {
            if ESCAPE_ATTRS.contains(&last) {
                return Some(Hit { danger: Danger::Malicious, category: ESCAPE });
            }
        }
    }
    best
}

/// Libraries real model code imports next to the ML set: noted, not flagged. The benign
/// wild-corpus file DominicusBenacus imports cv2 inside its Lambda, and labels.json says
/// it must stay a plain lambda; detection-rules.md lists only the core ML modules.
const ML_ADJACENT: &[&str] = &[
    "cv2",
    "PIL",
    "skimage",
    "scipy",
    "sklearn",
    "pandas",
    "h5py",
    "matplotlib",
    "imageio",
    "librosa",
    "einops",
    "tensorflow_addons",
    "tensorflow_hub",
    "tensorflow_probability",
    "transformers",
    "torchvision",
    "torchaudio",
    "flax",
    "optax",
    "haiku",
    "six",
    "__future__",
    "warnings",
    "copy",
    "dataclasses",
];

/// Is `module` a common data-science library that model code imports (see [`ML_ADJACENT`])?
pub fn is_ml_adjacent_module(module: &str) -> bool {
    let top = module.split('.').next().unwrap_or(module);
    ML_ADJACENT.contains(&top)
}

/// Is `module` (a top-level or dotted module name) inside the ordinary ML set?
pub fn is_ml_module(module: &str) -> bool {
    let top = module.split('.').next().unwrap_or(module);
    ML_MODULES.contains(&top)
}

/// Classifies a module used as a Keras 2 Lambda `module` field or imported by code:
/// dangerous modules make every bare global a potential sink.
pub fn classify_module(module: &str) -> Option<Hit> {
    const DANGEROUS: &[&str] = &[
        "os",
        "posix",
        "nt",
        "subprocess",
        "sys",
        "socket",
        "pty",
        "shutil",
        "ctypes",
        "_ctypes",
        "runpy",
        "code",
        "pickle",
        "_pickle",
        "cPickle",
        "marshal",
        "dill",
        "cloudpickle",
        "importlib",
        "commands",
        "popen2",
        "_posixsubprocess",
        "webbrowser",
    ];
    let top = module.split('.').next().unwrap_or(module);
    if DANGEROUS.contains(&top) {
        return Some(Hit { danger: Danger::Malicious, category: CMD });
    }
    if let Some(hit) = classify(module) {
        return Some(hit);
    }
    if !is_ml_module(module) && !is_ml_adjacent_module(module) {
        return Some(Hit { danger: Danger::Suspicious, category: FOREIGN_IMPORT });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sinks_and_suspicious_names() {
        assert_eq!(classify("os.system").unwrap().danger, Danger::Malicious);
        assert_eq!(classify("subprocess.Popen").unwrap().category, CMD);
        assert_eq!(classify("subprocess").unwrap().danger, Danger::Malicious);
        assert_eq!(classify("builtins.exec").unwrap().category, DYN);
        assert_eq!(classify("os.environ.get").unwrap().category, ENV);
        assert_eq!(classify("urllib.request.urlopen").unwrap().category, NET);
        assert_eq!(classify("base64.b64decode").unwrap().danger, Danger::Suspicious);
        assert_eq!(classify("object.__subclasses__").unwrap().category, ESCAPE);
    }

    #[test]
    fn ml_names_are_not_flagged() {
        for ok in [
            "tensorflow.image.resize",
            "keras.backend.sum",
            "numpy.mean",
            "math.sqrt",
            "os.path.join",
            "subprocessing.x",
        ] {
            assert_eq!(classify(ok), None, "{ok}");
        }
        assert!(is_ml_module("tensorflow.keras"));
        assert!(classify_module("os").is_some());
        assert_eq!(classify_module("json").unwrap().category, FOREIGN_IMPORT);
        assert_eq!(classify_module("cv2"), None, "a common data-science library");
        assert_eq!(classify_module("__main__"), None);
    }
}
