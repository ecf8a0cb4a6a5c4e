"""Integrity flags: a static scan of a submission's source for code that reaches for the grader.

Runs in the trusted parent on the source text only (``ast.parse``: nothing is imported or run). It
looks for what an honest CNN assignment has no use for (issue 10, item 2):

* the grader's own modules: importing or naming ``autograder``, ``otter``, ``probes``, ``solutions``
  or the sandbox's ``worker``/``wire`` (except the course notebooks' ``otter.Notebook``);
* the interpreter's internals: ``sys.modules``, ``sys._getframe``, trace/profile/import hooks, ``gc``,
  ``inspect``, frame and code attributes (``f_back``, ``f_globals``, ``__globals__``, ``__subclasses__``...);
* monkeypatching: assigning, deleting or ``setattr``-ing an attribute of numpy, torch or builtins (or of
  anything imported from them, e.g. ``torch.Tensor.__eq__ = ...``), or ``__builtins__[...] = ...``;
* walking the file system: ``os.walk``/``listdir``/``scandir``, ``glob``, pathlib's
  ``iterdir``/``glob``/``rglob``/``walk`` on an absolute or parent path, ``open`` of an absolute path,
  a string naming the grader's files (``/autograder...``, ``solutions/``, ``journal.jsonl``...);
* other processes, the network and native code: ``subprocess``, ``socket``, ``ctypes``, ``os.system``,
  ``os.fork``/``exec*``/``spawn*``/``kill``, ``multiprocessing``; and dynamic code (``exec``, ``eval``,
  ``compile``, ``__import__``, ``importlib``).

A flag is ``"<file>:<line>: <what>"`` for a person to read the code (gradebook ``flags`` column, the
report's "Review these"). Flags never change a score. Any input is scanned without raising: a source
that does not parse (syntax error, null bytes, nesting too deep) simply has no flags.
"""
from __future__ import annotations

import ast

#: Top-level names of the grader's modules (engine, otter, the worker-side helpers, the reference).
GRADER_MODULES = {"autograder", "otter", "probes", "solutions", "worker", "wire"}
#: What the course's own notebooks use (``import otter; grader = otter.Notebook(...)``): not a flag.
NOTEBOOK_IDIOM = {"otter", "otter.Notebook"}
#: String constants that point at the grader's files (Gradescope's layout, the repository's folders).
GRADER_PATHS = ("/autograder",)
GRADER_PATH_PARTS = ("solutions/", "hidden_tests", "assignments/a", "journal.jsonl", "results.json", "gradebook.csv")
#: Modules whose attributes a submission must not reassign.
PATCHED_MODULES = {"numpy", "torch", "builtins", "__builtins__"}
#: Modules whose mere import is worth a look, and why.
SUSPECT_IMPORTS = {
    "gc": "the garbage collector (gc: reaching other objects)",
    "inspect": "interpreter internals (inspect)",
    "subprocess": "running other programs (subprocess)",
    "socket": "the network (socket)",
    "ctypes": "native code (ctypes)",
    "cffi": "native code (cffi)",
    "multiprocessing": "other processes (multiprocessing)",
    "pty": "other processes (pty)",
    "signal": "signals (signal)",
    "importlib": "dynamic imports (importlib)",
    "builtins": "the builtins module",
    "urllib": "the network (urllib)",
    "http": "the network (http)",
    "requests": "the network (requests)",
    "glob": "file-system walks (glob)",
    "shutil": "file operations (shutil)",
    "pickle": "unpickling (pickle)",
    "marshal": "code objects (marshal)",
}
SYS_ATTRS = {"modules", "_getframe", "settrace", "setprofile", "meta_path", "path_hooks", "path_importer_cache",
             "addaudithook", "_current_frames", "exc_info", "exception", "last_traceback"}
FRAME_ATTRS = {"f_back", "f_globals", "f_locals", "f_builtins", "f_code", "f_trace", "tb_frame", "tb_next",
               "gi_frame", "cr_frame", "ag_frame", "__globals__", "__code__", "__closure__", "__subclasses__",
               "__builtins__"}
OS_PROCESS = {"system", "popen", "fork", "forkpty", "kill", "killpg", "setsid", "execv", "execve", "execl",
              "execle", "execlp", "execlpe", "execvp", "execvpe", "spawnl", "spawnle", "spawnlp", "spawnlpe",
              "spawnv", "spawnve", "spawnvp", "spawnvpe", "posix_spawn", "posix_spawnp", "_exit", "chmod",
              "chown", "remove", "unlink", "rename", "replace", "symlink", "link", "rmdir", "removedirs"}
OS_WALKS = {"walk", "fwalk", "listdir", "scandir"}
PATH_WALKS = {"iterdir", "glob", "rglob", "walk"}
DYNAMIC_CODE = {"exec", "eval", "compile", "__import__"}
#: At most this many flags per submission (the rest are counted in one last flag).
MAX_FLAGS = 50


def _dotted(node: ast.AST) -> str:
    """``a.b.c`` for a chain of attributes on a name, else ``""`` (iterative: no recursion)."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def _root_name(node: ast.AST) -> str | None:
    """The name at the root of ``a.b[c].d(...)``, or None."""
    while True:
        if isinstance(node, (ast.Attribute, ast.Subscript)):
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Name):
            return node.id
        else:
            return None


def _outside_path(node: ast.AST) -> bool:
    """Does the expression name an absolute or parent path (a string ``/...``, ``..``, ``~``), the
    home or working folder, ``__file__`` or a ``.parent``?"""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str):
            v = sub.value
            if v.startswith(("/", "~", "\\")) or ".." in v or (len(v) > 1 and v[1] == ":"):
                return True
        elif isinstance(sub, ast.Attribute) and sub.attr in ("parent", "parents", "home", "cwd", "anchor", "root"):
            return True
        elif isinstance(sub, ast.Name) and sub.id in ("__file__", "__path__"):
            return True
    return False


def _module_of(name: str) -> str:
    return name.split(".")[0]


class _Scanner:
    def __init__(self, filename: str):
        self.filename = filename
        self.flags: dict[tuple[int, str], None] = {}
        #: local name -> the module (dotted) it was bound to by an import
        self.aliases: dict[str, str] = {m: m for m in ("np", "numpy", "torch", "builtins", "__builtins__",
                                                       "sys", "os", "gc", "inspect")}
        self.aliases["np"] = "numpy"

    def flag(self, node: ast.AST, what: str) -> None:
        self.flags.setdefault((getattr(node, "lineno", 0), what), None)

    def module(self, name: str | None) -> str:
        """The module a local name stands for (``np`` -> ``numpy``), or ``""``."""
        return self.aliases.get(name or "", "")

    def imported(self, node: ast.AST, module: str, local: str, bound: str) -> None:
        """``import module`` (or ``from ... import``) that binds ``local`` to the object ``bound``."""
        top = _module_of(module)
        if module in NOTEBOOK_IDIOM:
            pass
        elif top in GRADER_MODULES:
            self.flag(node, f"imports the grader's module {module!r}")
        elif top in SUSPECT_IMPORTS:
            self.flag(node, f"imports {SUSPECT_IMPORTS[top]}")
        if local != "*":
            self.aliases[local] = bound

    def grader_string(self, node: ast.Constant) -> None:
        v = node.value
        if not isinstance(v, str) or len(v) > 500:
            return
        if _module_of(v) in GRADER_MODULES and v.replace(".", "").replace("_", "").isalnum():
            self.flag(node, f"names the grader's module {v!r}")
        elif v.startswith(GRADER_PATHS) or any(part in v for part in GRADER_PATH_PARTS):
            self.flag(node, f"names a grader path {v[:80]!r}")

    def assigned_alias(self, node: ast.Assign) -> None:
        """``F = torch.nn.functional``: ``F`` now stands for a module (its attributes are watched)."""
        if len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            dotted = _dotted(node.value)
            root = dotted.split(".")[0] if dotted else ""
            if root in self.aliases and _module_of(self.aliases[root]) in PATCHED_MODULES | {"sys", "os"}:
                self.aliases[node.targets[0].id] = self.aliases[root] + dotted[len(root):]

    def patched_target(self, target: ast.AST, verb: str) -> None:
        """An assignment/deletion target: flag ``np.x``, ``torch.Tensor.y``, ``builtins.z``, ``__builtins__[k]``."""
        if isinstance(target, (ast.Tuple, ast.List)):
            for t in target.elts:
                self.patched_target(t, verb)
            return
        if isinstance(target, ast.Starred):
            self.patched_target(target.value, verb)
            return
        if not isinstance(target, (ast.Attribute, ast.Subscript)):
            return
        base = target
        if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Call) and isinstance(
                target.value.func, ast.Name) and target.value.func.id == "vars" and target.value.args:
            base = target.value.args[0]  # vars(np)["x"] = ...
        root = self.module(_root_name(base))
        if _dotted(target).startswith(("torch.backends.", "torch.backends")) and root == "torch":
            return  # torch.backends.cudnn.deterministic = True: a documented setting, not a patch
        if _module_of(root) in PATCHED_MODULES:
            what = _dotted(target) or (f"an item of vars({_dotted(base)})" if base is not target
                                       else f"an item of {_root_name(target)}")
            self.flag(target, f"{verb} {what} (monkeypatching {_module_of(root)})")
        elif root == "sys" and "modules" in (_dotted(target.value) if isinstance(target, ast.Subscript) else ""):
            self.flag(target, f"{verb} an entry of sys.modules")

    def call(self, node: ast.Call) -> None:
        func = node.func
        name = _dotted(func)
        root = _root_name(func)
        module = self.module(root) if isinstance(func, ast.Attribute) else ""
        if isinstance(func, ast.Name):
            origin = self.aliases.get(func.id, "")
            if func.id in DYNAMIC_CODE and not origin:
                self.flag(node, f"runs dynamic code ({func.id})")
            elif func.id == "setattr" and node.args and _module_of(self.module(_root_name(node.args[0]))) \
                    in PATCHED_MODULES:
                self.flag(node, f"setattr on {_dotted(node.args[0]) or 'a module object'} "
                                f"(monkeypatching {_module_of(self.module(_root_name(node.args[0])))})")
            elif func.id == "open" and node.args and _outside_path(node.args[0]):
                self.flag(node, "opens a file outside its own folder")
            elif origin:  # from os import walk; from glob import glob; from subprocess import run
                self.module_call(node, origin, _dotted(func))
        elif module and name:
            self.module_call(node, module + name[len(root):], name)
        if isinstance(func, ast.Attribute) and func.attr in PATH_WALKS and _module_of(module) not in ("os", "glob") \
                and _outside_path(func.value):
            self.flag(node, f"walks the file system (.{func.attr}() outside its own folder)")

    def module_call(self, node: ast.Call, qualified: str, shown: str) -> None:
        """A call of ``qualified`` (e.g. ``os.path.join``), written ``shown`` in the source."""
        top, _, rest = qualified.partition(".")
        last = qualified.rsplit(".", 1)[-1]
        if top == "os" and rest in OS_WALKS:
            self.flag(node, f"walks the file system ({shown})")
        elif top == "os" and rest in OS_PROCESS:
            self.flag(node, f"runs or signals processes or changes files ({shown})")
        elif top == "glob":
            self.flag(node, f"walks the file system ({shown})")
        elif top == "sys" and rest in SYS_ATTRS:
            pass  # flagged as an attribute access
        elif top in ("subprocess", "socket", "ctypes", "multiprocessing", "pty"):
            self.flag(node, f"uses {top} ({shown})")
        elif top == "importlib" and last in ("import_module", "reload", "__import__"):
            self.flag(node, f"imports dynamically ({shown})")
        elif top in ("gc", "inspect"):
            self.flag(node, f"uses interpreter internals ({shown})")

    def attribute(self, node: ast.Attribute) -> None:
        if node.attr in FRAME_ATTRS:
            self.flag(node, f"reads the interpreter's frames or internals (.{node.attr})")
        elif isinstance(node.value, ast.Name) and self.module(node.value.id) == "sys" and node.attr in SYS_ATTRS:
            self.flag(node, f"uses sys.{node.attr}")
        elif isinstance(node.value, ast.Name) and node.value.id in self.aliases:
            qualified = f"{self.module(node.value.id)}.{node.attr}"
            if _module_of(qualified) in GRADER_MODULES and qualified not in NOTEBOOK_IDIOM:
                self.flag(node, f"uses the grader's module ({qualified})")

    def scan(self, tree: ast.AST) -> None:
        # imports first, so that aliases are known wherever they are used (e.g. imports in functions)
        nodes = list(ast.walk(tree))
        for node in nodes:
            if isinstance(node, ast.Import):  # import a.b binds a; import a.b as c binds c to a.b
                for alias in node.names:
                    top = _module_of(alias.name)
                    self.imported(node, alias.name, alias.asname or top, alias.name if alias.asname else top)
            elif isinstance(node, ast.ImportFrom):
                module = node.module or ""
                if node.level:
                    self.flag(node, f"relative import (from {'.' * node.level}{module} import ...)")
                for alias in node.names:
                    full = f"{module}.{alias.name}" if module else alias.name
                    self.imported(node, full, alias.asname or alias.name, full)
            elif isinstance(node, ast.Assign):
                self.assigned_alias(node)
        for node in nodes:
            if isinstance(node, ast.Constant):
                self.grader_string(node)
            elif isinstance(node, ast.Name) and node.id == "__builtins__":
                self.flag(node, "uses __builtins__")
            elif isinstance(node, ast.Attribute):
                self.attribute(node)
            elif isinstance(node, ast.Call):
                self.call(node)
            elif isinstance(node, ast.Assign):
                for t in node.targets:
                    self.patched_target(t, "assigns")
            elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
                self.patched_target(node.target, "assigns")
            elif isinstance(node, ast.Delete):
                for t in node.targets:
                    self.patched_target(t, "deletes")
            elif isinstance(node, (ast.Global, ast.Nonlocal)) and "__builtins__" in node.names:
                self.flag(node, "rebinds __builtins__")


def scan_source(source: str, filename: str = "submission.py") -> list[str]:
    """Integrity flags of ``source`` (``"<filename>:<line>: <what>"``, in line order), or ``[]`` when it
    does not parse. Never raises for any input."""
    try:
        tree = ast.parse(source, filename=filename)
    except (SyntaxError, ValueError, RecursionError, MemoryError, TypeError, OverflowError):
        return []
    scanner = _Scanner(filename)
    try:
        scanner.scan(tree)
    except (RecursionError, MemoryError):  # ast.walk is iterative; kept as a guard on any other path
        pass
    flags = [f"{filename}:{line}: {what}" for line, what in sorted(scanner.flags)]
    if len(flags) > MAX_FLAGS:
        flags = flags[:MAX_FLAGS] + [f"{filename}: ... and {len(flags) - MAX_FLAGS} more flags"]
    return flags
