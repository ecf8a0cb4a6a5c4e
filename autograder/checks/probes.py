"""Probes: small trusted routines that call a student's function and report plain data.

They exist for checks that cannot be phrased as "call with data, compare the data that comes
back": did the call modify its inputs; does ``numerical_gradient`` restore ``x`` and use central
differences when ``f`` is a Python function. Under the engine a probe runs INSIDE the worker
(``autograder.checks.compare.run_probe`` sends it there; this file is copied into the sandbox, so
it imports nothing but NumPy); under plain otter it runs in-process. Either way it returns data.
"""
import numpy as np


def _copies(values):
    return [np.array(v, copy=True) if isinstance(v, np.ndarray) else v for v in values]


def inputs_unchanged(fn, args, kwargs):
    """Call ``fn(*args, **kwargs)``; report ``{"result": what it returned, "unchanged": True if no
    ndarray argument changed (bit for bit)}``. The parent checks ``result`` against the reference
    before it believes ``unchanged`` (a report from the worker is only a claim)."""
    before = _copies(list(args) + list(kwargs.values()))
    result = fn(*args, **kwargs)
    after = list(args) + list(kwargs.values())
    unchanged = all(not isinstance(b, np.ndarray) or (a.shape == b.shape and a.tobytes() == b.tobytes())
                    for a, b in zip(after, before))
    return {"result": result, "unchanged": unchanged}


def numerical_gradient_probe(fn, x, c, h):
    """Run the student's ``numerical_gradient`` on ``f(x) = sum(c * x**3)`` read through a closure.

    Returns ``{"grad": ndarray or None, "restored": bool, "calls": int}``: ``restored`` is True when
    ``x`` is bit-for-bit unchanged afterwards; ``calls`` counts evaluations of ``f``.
    """
    x = np.array(x, copy=True)
    pristine = x.tobytes()
    calls = [0]

    def f(_unused_arg):
        calls[0] += 1
        return float(np.sum(c * x**3))  # reads x through the closure, CS231n style

    grad = fn(f, x, h)
    plain = type(grad) is np.ndarray and grad.dtype.kind in "biuf"  # no subclass, no object array
    return {"grad": grad if plain else None,
            "restored": x.tobytes() == pristine, "calls": calls[0]}


def run_in_worker(module, probe, fn_name, *args):
    """Entry point used by the sandbox (``WorkerSession.call_helper("probes", "run_in_worker", ...)``):
    run ``probe`` on the student module's ``fn_name`` (a name, or a list of names: then the probe
    gets a tuple of the student's objects)."""
    target = tuple(getattr(module, n) for n in fn_name) if isinstance(fn_name, (list, tuple)) \
        else getattr(module, fn_name)
    return globals()[probe](target, *args)


# =====================================================================================================
# A2 (PyTorch) probes. Each imports torch inside the function: A1 workers never import it.
# They build tensors and trusted helper models in the worker, call the student's code, and report
# plain data (NumPy arrays, floats, strings, lists, dicts): never a tensor or a module.
# =====================================================================================================


def _a2_kind(value) -> str:
    """``module.Qualname`` of a value's type, for messages."""
    return f"{type(value).__module__}.{type(value).__qualname__}".replace("builtins.", "")


def _a2_outcome(fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` as data: ``{"ok": True, "value": ...}`` or ``{"ok": False, "error": type name,
    "mro": [names], "message": text}``."""
    try:
        return {"ok": True, "value": fn(*args, **kwargs)}
    except Exception as exc:  # the student's code raised: report it as data
        return {"ok": False, "error": type(exc).__name__, "mro": [k.__name__ for k in type(exc).__mro__],
                "message": " ".join(str(exc).split())[:200]}


def _a2_tuple(value):
    """Lists that crossed the wire back to tuples (the student's code may test ``isinstance(s, tuple)``)."""
    return tuple(value) if isinstance(value, list) else value


class _a2_one_thread:
    """Train on one CPU thread, as the grader's worker does (tiny batches run slower on more threads, and
    a plain ``otter run`` / ``check`` / notebook then times like the grader); restores the count after."""

    def __enter__(self):
        import torch

        self.threads = torch.get_num_threads()
        torch.set_num_threads(1)

    def __exit__(self, *exc):
        import torch

        if torch.get_num_threads() != self.threads:
            torch.set_num_threads(self.threads)


def _a2_param_devices(model) -> list:
    return sorted({str(p.device) for p in model.parameters()})


def _a2_small_model(seed: int = 0, dropout: float = 0.0):
    """A trusted MNIST-1D model for testing train/evaluate on their own: flatten, 40-32-10 MLP."""
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        layers = [torch.nn.Flatten(), torch.nn.Linear(40, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10)]
        if dropout:
            layers.append(torch.nn.Dropout(dropout))
        return torch.nn.Sequential(*layers)


def a2_worker_facts(_fn):
    """What the worker's torch sees: CUDA availability and device count, torch version."""
    import torch

    return {"cuda_available": bool(torch.cuda.is_available()), "cuda_count": int(torch.cuda.device_count()),
            "torch": torch.__version__}


def a2_get_device_probe(get_device, prefers):
    """Call ``get_device()`` (for a ``None`` entry) or ``get_device(p)`` for each entry of ``prefers``
    (a name, or ``{"torch.device": name}`` for a ``torch.device`` argument). Reports, per entry,
    ``{"ok", "is_device", "device", "type"}`` or the exception, plus the worker's CUDA facts."""
    import torch

    results = []
    for p in prefers:
        if p is None:
            r = _a2_outcome(get_device)
        else:
            r = _a2_outcome(get_device, torch.device(p["torch.device"]) if isinstance(p, dict) else p)
        if r["ok"]:
            d = r.pop("value")
            r.update(is_device=isinstance(d, torch.device), device=str(d), kind=_a2_kind(d),
                     type=d.type if isinstance(d, torch.device) else None)
        results.append(r)
    return {"results": results, **a2_worker_facts(None)}


def a2_conv2d_probe(fns, x, w, b, stride, padding, dout, device, mode):
    """The student's convolution on float tensors built here from ``x, w, b`` (b may be None).

    ``mode="forward"``: ``out = conv2d(x, w, b, stride=, padding=)`` with inputs that require grad;
    reports ``out`` (array), its torch dtype, and whether its autograd graph goes through the
    student's ``Conv2dFunction`` (``custom``) and not through a built-in convolution (``builtin``).
    ``mode="backward"``: ``out = Conv2dFunction.apply(x, w, b, stride, padding)``, ``out.backward(dout)``;
    reports the gradients ``dx, dw, db`` (``db`` None when b is None) as arrays.
    """
    import torch

    fns = tuple(fns) if isinstance(fns, (tuple, list)) else (fns,)
    function = next((f for f in fns if isinstance(f, type)), None)  # the class Conv2dFunction
    conv2d = next((f for f in fns if not isinstance(f, type)), None)
    if mode != "forward" and not (function is not None and issubclass(function, torch.autograd.Function)):
        raise TypeError("Conv2dFunction must be a subclass of torch.autograd.Function")
    stride, padding = _a2_tuple(stride), _a2_tuple(padding)
    t = [None if a is None else torch.tensor(np.asarray(a), device=device, requires_grad=True) for a in (x, w, b)]
    if mode == "forward":
        out = conv2d(t[0], t[1], t[2], stride=stride, padding=padding)
    else:
        out = function.apply(t[0], t[1], t[2], stride, padding)
    if not isinstance(out, torch.Tensor):
        raise TypeError(f"returned {_a2_kind(out)}, expected a torch.Tensor")
    report = {"out": out.detach().cpu().numpy(), "dtype": str(out.dtype), "device": str(out.device)}
    if mode == "forward":
        seen, todo, custom, builtin = set(), [out.grad_fn], False, False
        while todo and len(seen) < 200:  # walk the autograd graph from the output
            node = todo.pop()
            if node is None or id(node) in seen:
                continue
            seen.add(id(node))
            custom |= getattr(node, "_forward_cls", None) is function
            builtin |= type(node).__name__.startswith(("Convolution", "ThnnConv", "MkldnnConvolution",
                                                        "CudnnConvolution", "SlowConv"))
            todo.extend(n for n, _ in getattr(node, "next_functions", ()))
        report.update(custom=bool(custom), builtin=bool(builtin))
        return report
    if tuple(out.shape) != tuple(np.shape(dout)):
        raise ValueError(f"output has shape {tuple(out.shape)}, expected {tuple(np.shape(dout))}")
    out.backward(torch.tensor(np.asarray(dout), device=device, dtype=out.dtype))
    for name, a in zip(("dx", "dw", "db"), t):
        report[name] = None if a is None or a.grad is None else a.grad.detach().cpu().numpy()
    report["db_is_none"] = t[2] is None
    return report


def a2_model_probe(cls, inputs, state, device):
    """Build the student's network ``cls()`` (seeded, global RNG untouched) and report its parameters:
    ``num_params``, ``trainable``, ``shapes`` (name -> list). With ``state`` (name -> array), load
    those weights (missing / unexpected names are reported, not raised). Then run it in eval mode on
    each float32 array of ``inputs``; ``outputs`` lists the logits arrays (None where not a tensor)."""
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = cls()
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"{getattr(cls, '__name__', 'the class')}() is {_a2_kind(model)}, not a torch.nn.Module")
    named = list(model.named_parameters())
    report = {"num_params": int(sum(p.numel() for _, p in named)),
              "trainable": int(sum(p.numel() for _, p in named if p.requires_grad)),
              "shapes": {n: [int(s) for s in p.shape] for n, p in named}}
    if state is not None:
        current = model.state_dict()
        missing = sorted(set(current) - set(state))
        unexpected = sorted(set(state) - set(current))
        wrong = sorted(k for k in set(current) & set(state) if tuple(current[k].shape) != tuple(np.shape(state[k])))
        report.update(missing=missing, unexpected=unexpected, wrong_shape=wrong)
        if missing or unexpected or wrong:
            return report
        model.load_state_dict({k: torch.as_tensor(np.asarray(v)) for k, v in state.items()})
    model.to(device).eval()
    outputs, dtypes = [], []
    with torch.no_grad():
        for x in inputs:
            out = model(torch.as_tensor(np.asarray(x, dtype=np.float32), device=device))
            ok = isinstance(out, torch.Tensor)
            outputs.append(out.detach().cpu().numpy() if ok else None)
            dtypes.append(str(out.dtype) if ok else _a2_kind(out))
    report.update(outputs=outputs, dtypes=dtypes)
    return report


def _a2_losses(losses):
    """The list ``train`` returned, as data: its type, and its values when they are all floats."""
    floats = isinstance(losses, list) and all(isinstance(v, float) and not isinstance(v, bool) for v in losses)
    return {"kind": _a2_kind(losses), "len": len(losses) if isinstance(losses, (list, tuple)) else None,
            "floats": floats, "values": [float(v) for v in losses] if floats else None,
            "item_kind": _a2_kind(losses[0]) if isinstance(losses, (list, tuple)) and losses else None}


def a2_train_probe(train, x, y, runs, layout):
    """Train a fresh trusted 40-32-10 MLP (seed 0) with the student's ``train`` once per entry of
    ``runs`` (keyword dicts for ``train``). ``layout``: ``"numpy"`` (x, y as given) or ``"tensor"``
    (x as a float32 tensor (N, 1, 40), y an int64 tensor). Each run reports the losses, the full-batch
    cross-entropy of the initial weights (``initial_loss``), the final weights (flattened) and the
    parameters' devices."""
    import torch
    import torch.nn.functional as F

    if layout == "tensor":
        x = torch.as_tensor(np.asarray(x, dtype=np.float32)).reshape(len(x), 1, -1)
        y = torch.as_tensor(np.asarray(y, dtype=np.int64))
    reports = []
    for kwargs in runs:
        model = _a2_small_model(0)
        with torch.no_grad():
            initial = F.cross_entropy(model(torch.as_tensor(np.asarray(x, dtype=np.float32)).reshape(len(x), -1)),
                                      torch.as_tensor(np.asarray(y)).long()).item()
        with _a2_one_thread():
            losses = train(model, x, y, **kwargs)
        weights = torch.cat([p.detach().cpu().reshape(-1) for p in model.parameters()]).numpy()
        reports.append({**_a2_losses(losses), "initial_loss": float(initial), "weights": weights,
                        "devices": _a2_param_devices(model)})
    return reports


def a2_evaluate_probe(evaluate, weight, bias, x, y, dropout, training, device):
    """``evaluate`` on a trusted model ``Linear(40, 10)`` with the given weights (then ``Dropout(dropout)``
    when > 0: only eval mode predicts deterministically), put in training mode ``training`` first.
    Reports the accuracy (None unless a Python float), its type, the mode afterwards and whether the
    weights are unchanged."""
    import torch

    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(40, 10), torch.nn.Dropout(dropout))
    with torch.no_grad():
        model[1].weight.copy_(torch.as_tensor(np.asarray(weight)))
        model[1].bias.copy_(torch.as_tensor(np.asarray(bias)))
    before = [p.detach().cpu().clone() for p in model.parameters()]
    model.train(bool(training))
    acc = evaluate(model, x, y, device=device)
    after = [p.detach().cpu() for p in model.parameters()]
    return {"acc": float(acc) if isinstance(acc, float) else None, "kind": _a2_kind(acc),
            "training_after": bool(model.training),
            "unchanged": all(torch.equal(a, b) for a, b in zip(after, before))}


def a2_device_request_probe(fns, which, x, y):
    """Call the student's ``train``, ``evaluate`` or ``fit`` (``which``) with ``device="cpu"``, then with
    ``device="cuda"``.

    The CPU call must work (``cpu_error`` None). Without CUDA in this worker the "cuda" call must fail
    (get_device raises RuntimeError), not silently run on the CPU; with CUDA the model's parameters must end
    up there. Reports ``{"cuda_available", "cpu_error", "raised" (exception type name or None), "message",
    "devices" (parameters' devices after the "cuda" call)}``."""
    import torch

    def run(device):
        if which == "fit":
            make_classifier, fit = fns
            model = make_classifier()
            if not isinstance(model, torch.nn.Module):
                raise TypeError(f"make_classifier() returned {_a2_kind(model)}, not a torch.nn.Module")
            r = _a2_outcome(fit, model, x, y, device=device)
            if r["ok"] and isinstance(r["value"], torch.nn.Module):
                model = r["value"]
            return r, model
        fn = fns[0] if isinstance(fns, (tuple, list)) else fns
        model = _a2_small_model(0)
        with _a2_one_thread():
            if which == "train":
                return _a2_outcome(fn, model, x, y, epochs=1, batch_size=64, lr=1e-3, device=device), model
            return _a2_outcome(fn, model, x, y, device=device), model

    cpu, _ = run("cpu")
    cuda, model = run("cuda")
    return {"cuda_available": bool(torch.cuda.is_available()),
            "cpu_error": None if cpu["ok"] else f"{cpu['error']}: {cpu['message']}",
            "raised": None if cuda["ok"] else cuda["error"], "message": cuda.get("message"),
            "devices": _a2_param_devices(model)}


def _a2_predict(model, x, batch: int = 500):
    """Arg-max predictions of ``model`` (eval mode, no grad) for float32 ``x``, on its parameters' device."""
    import torch

    params = list(model.parameters())
    device = params[0].device if params else torch.device("cpu")
    dtype = next((p.dtype for p in params if p.is_floating_point()), torch.float32)
    model.eval()
    preds = []
    with torch.no_grad():
        for start in range(0, len(x), batch):
            xb = torch.as_tensor(np.asarray(x[start:start + batch]), device=device, dtype=dtype)
            out = model(xb)
            if not isinstance(out, torch.Tensor) or tuple(out.shape) != (len(xb), 10):
                shape = tuple(out.shape) if isinstance(out, torch.Tensor) else _a2_kind(out)
                raise ValueError(f"the model maps ({len(xb)}, 40) to {shape}, expected logits ({len(xb)}, 10)")
            preds.append(out.argmax(dim=1).cpu().numpy().astype(np.int64))
    return np.concatenate(preds) if preds else np.zeros(0, dtype=np.int64)


def a2_fit_probe(fns, x_train, y_train, x_tests, device):
    """``fit(make_classifier(), x_train, y_train, device=device)``, then the fitted model's predictions
    (arg-max) for each array of ``x_tests``: the worker never sees test labels. Reports ``preds``
    (list of int64 arrays), ``fit_s`` (wall seconds of fit), ``num_params``, ``training`` (mode fit
    left it in) and the parameters' ``devices``."""
    import time

    import torch

    make_classifier, fit = fns
    model = make_classifier()
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"make_classifier() returned {_a2_kind(model)}, not a torch.nn.Module")
    with _a2_one_thread():
        start = time.perf_counter()
        fitted = fit(model, x_train, y_train, device=device)
        fit_s = time.perf_counter() - start
    if not isinstance(fitted, torch.nn.Module):
        raise TypeError(f"fit returned {_a2_kind(fitted)}, expected the trained torch.nn.Module")
    training = bool(fitted.training)
    return {"preds": [_a2_predict(fitted, x) for x in x_tests], "fit_s": float(fit_s), "training": training,
            "num_params": int(sum(p.numel() for p in fitted.parameters())), "devices": _a2_param_devices(fitted)}


def a2_compare_probe(fns, x_train, y_train, x_test, recipe, device):
    """The lecture's CNN and MLP (the student's classes, seeded with ``recipe["seed"]``), each trained by the
    student's ``train(model, x_train, y_train, **recipe, device=device)``; reports, per network, its
    parameter count, epoch losses and arg-max predictions for ``x_test`` (labels stay with the grader)."""
    import torch

    cnn_cls, mlp_cls, train = fns
    report = {}
    for key, cls in (("cnn", cnn_cls), ("mlp", mlp_cls)):
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(recipe["seed"]))
            model = cls()
        if not isinstance(model, torch.nn.Module):
            raise TypeError(f"{getattr(cls, '__name__', key)}() is {_a2_kind(model)}, not a torch.nn.Module")
        with _a2_one_thread():
            losses = train(model, x_train, y_train, **recipe, device=device)
        report[key] = {"num_params": int(sum(p.numel() for p in model.parameters())),
                       "losses": _a2_losses(losses), "preds": _a2_predict(model, x_test)}
    return report
