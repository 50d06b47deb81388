"""helpers.distributed: DDP under torchrun on the CPU (gloo), checked against a plain loop.

The launches use ``--standalone`` (torchrun picks free ports itself), so several test runs
can go on side by side, and all of them start at once. Two start the ranks as notebook 07
does on Linux (forked from torchrun's process, ``--run-path`` and the script's path); one
as a terminal does (``-m helpers.distributed``, a fresh Python per rank). In-process tests
join a world of one rank through a store on a free port; they cover the command line, the
checkpoints and the result file quickly. (Notebook 07's exercise checks: test_checks_nb07.py.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import torch
from notebook_files import ROOT
from torch import nn
from torch.utils.data import DistributedSampler

import helpers
from helpers import distributed, distributed_setup
from helpers.distributed_setup import (
    DATASETS,
    choose_backend,
    load_dataset,
    padding_note,
    torchrun_env,
    write_json_atomically,
)

EPOCHS = 5
LR = 0.1
SEED = 3


def reference(epochs: int, global_batch: int, seed: int = SEED) -> dict:
    """One process, no DDP, no sampler: the permutation the sampler draws, cut into batches."""
    x, y = helpers.make_intercept_slope_data(as_tensor=True)
    torch.manual_seed(seed)
    model = nn.Linear(1, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    losses = []
    for epoch in range(1, epochs + 1):
        perm = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed + epoch))
        total = 0.0
        for idx in perm.split(global_batch):
            loss = nn.functional.mse_loss(model(x[idx]), y[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(idx)
        losses.append(total / len(x))
    return {"weight": model.weight.reshape(-1).tolist(), "bias": model.bias.item(), "loss": losses}


def assert_same_run(result: dict, ref: dict, tol: float = 1e-5) -> None:
    assert result["weight"] == pytest.approx(ref["weight"], abs=tol)
    assert result["bias"] == pytest.approx(ref["bias"], abs=tol)
    assert result["train_loss"] == pytest.approx(ref["loss"], abs=tol)


def args(*extra: str, epochs: int = EPOCHS, batch: int = 16) -> list[str]:
    return ["--epochs", str(epochs), "--batch-size", str(batch), "--lr", str(LR),
            "--seed", str(SEED), *extra]  # fmt: skip


SCRIPT = ROOT / "helpers" / "distributed.py"
FORK = sys.platform == "linux"  # as notebook 07 starts its ranks
# torchrun's main() after the imports every rank needs, so that forked ranks inherit them
TORCHRUN = "import torch._dynamo; from torch.distributed.run import main; main()"


def start(nproc: int, argv: list[str], cwd, *, fork: bool = FORK) -> subprocess.Popen:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "LOGLEVEL": "CRITICAL", "PYTHONPATH": str(ROOT)}
    if fork:
        how = ["-c", TORCHRUN, "--run-path", "--start-method=fork"], [str(SCRIPT)]
    else:
        how = ["-m", "torch.distributed.run"], ["-m", "helpers.distributed"]
    command = [sys.executable, *how[0], "--standalone", f"--nproc-per-node={nproc}",
               *how[1], *argv]  # fmt: skip
    return subprocess.Popen(command, cwd=cwd, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip


def finish(launch: subprocess.Popen) -> subprocess.CompletedProcess:
    stdout, stderr = launch.communicate(timeout=300)
    return subprocess.CompletedProcess(launch.args, launch.returncode, stdout, stderr)


LAUNCHES = {
    # the command a terminal runs: every rank a fresh Python
    "2x16": (2, args("--out", "r.json", batch=16), False),
    "4x8": (4, args("--out", "r.json", batch=8), FORK),
    # 3 ranks do not divide the 200 samples: the sampler pads, and rank 0 says so
    "fail": (
        3,
        args("--out", "r.json", "--checkpoint", "ck.pt", "--fail-rank", "2", epochs=2),
        FORK,
    ),
}


@pytest.fixture(scope="module")
def launched(tmp_path_factory):
    """Every torchrun launch of this module, started at once: on a 2-core machine one
    launch's idle moments (starting up, meeting, shutting down) are another's busy ones."""
    jobs = {}
    for name, (nproc, argv, fork) in LAUNCHES.items():
        cwd = tmp_path_factory.mktemp(name)
        jobs[name] = (start(nproc, argv, cwd, fork=fork), cwd)
    yield jobs
    for launch, _ in jobs.values():
        if launch.poll() is None:
            launch.kill()
            launch.communicate()


# --------------------------------------------------------------------------- under torchrun
@pytest.mark.parametrize("nproc", [2, 4])
def test_n_processes_with_batch_b_equal_one_process_with_batch_n_times_b(nproc, launched):
    launch, cwd = launched[f"{nproc}x{32 // nproc}"]
    done = finish(launch)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads((cwd / "r.json").read_text())
    assert result["world_size"] == nproc and result["backend"] == "gloo"
    assert len(result["train_loss"]) == EPOCHS
    assert_same_run(result, reference(EPOCHS, 32))
    assert done.stdout.count("epoch 1/") == 1, "only rank 0 prints the epoch loss"
    assert sorted(os.listdir(cwd)) == ["r.json"], "no temporary files left behind"


def test_a_failing_rank_stops_every_rank_and_leaves_no_result(launched):
    launch, cwd = launched["fail"]
    failed = finish(launch)
    assert failed.returncode != 0
    assert "repeats 1 sample(s) each epoch so that every rank gets 67" in failed.stdout
    assert "epoch 1/2" in failed.stdout and "epoch 2/2" not in failed.stdout
    assert "rank 2 fails on purpose" in failed.stderr
    assert sorted(os.listdir(cwd)) == ["ck.pt"], "no result, no half-written file"
    assert torch.load(cwd / "ck.pt", weights_only=True)["epoch"] == 1


@pytest.mark.skipif(
    not torch.cuda.is_available() or torch.cuda.device_count() < 2, reason="needs 2 CUDA GPUs"
)
def test_nccl_on_two_gpus_matches_the_plain_loop(tmp_path):  # pragma: no cover (CPU CI)
    done = finish(start(2, args("--out", "r.json", "--backend", "nccl"), tmp_path))
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads((tmp_path / "r.json").read_text())
    assert result["backend"] == "nccl"
    assert_same_run(result, reference(EPOCHS, 32), tol=1e-4)


# --------------------------------------------------------------------------- in one process
@pytest.fixture
def one_rank(monkeypatch):
    """The variables torchrun would set for a world of one rank (the store picks a free port)."""
    for name, value in {"RANK": "0", "WORLD_SIZE": "1", "LOCAL_RANK": "0",
                        "LOCAL_WORLD_SIZE": "1", "MASTER_ADDR": "127.0.0.1",
                        "MASTER_PORT": "0"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)


def test_one_process_with_batch_32_equals_the_plain_loop(one_rank, tmp_path):
    assert distributed.main(args("--out", str(tmp_path / "r.json"), batch=32)) == 0
    result = json.loads((tmp_path / "r.json").read_text())
    assert result["world_size"] == 1 and result["global_batch_size"] == 32
    assert_same_run(result, reference(EPOCHS, 32))


def test_main_checkpoints_every_epoch_and_resumes_exactly(one_rank, tmp_path, capsys):
    out, ck = tmp_path / "r.json", tmp_path / "ck.pt"
    assert distributed.main(args("--out", str(out), "--checkpoint", str(ck), epochs=2)) == 0
    assert json.loads(out.read_text())["train_loss"] == pytest.approx(reference(2, 16)["loss"])
    state = torch.load(ck, weights_only=True)  # only tensors, numbers, strings, lists, dicts
    assert state["epoch"] == 2
    assert distributed.main(args("--out", str(out), "--checkpoint", str(ck), epochs=4)) == 0
    assert "resumed from the checkpoint at epoch 2" in capsys.readouterr().out
    result = json.loads(out.read_text())
    assert result == {**result, "world_size": 1, "global_batch_size": 16, "epochs": 4}
    assert_same_run(result, reference(4, 16), tol=1e-6)
    assert sorted(os.listdir(tmp_path)) == ["ck.pt", "r.json"]


def test_main_refuses_a_checkpoint_of_another_run(one_rank, tmp_path):
    ck = tmp_path / "ck.pt"
    assert distributed.main(args("--checkpoint", str(ck), epochs=1)) == 0
    with pytest.raises(ValueError, match="written by another run"):
        distributed.main(args("--checkpoint", str(ck), "--lr", "0.05", epochs=2))
    with pytest.raises(ValueError, match="written by another run"):
        distributed.main(args("--checkpoint", str(ck), "--batch-size", "8", epochs=2))


def test_main_says_when_epochs_is_below_the_checkpoints_epoch(one_rank, tmp_path):
    ck = tmp_path / "ck.pt"
    assert distributed.main(args("--checkpoint", str(ck), epochs=2)) == 0
    with pytest.raises(ValueError, match="already holds epoch 2, past --epochs 1"):
        distributed.main(args("--checkpoint", str(ck), epochs=1))


def test_main_refuses_a_fail_rank_that_names_no_rank(one_rank, capsys):
    assert distributed.main(args("--fail-rank", "1", epochs=1)) == 2
    assert "--fail-rank 1 names no rank: this run has ranks 0 to 0" in capsys.readouterr().err


def test_a_diverging_run_stops_on_every_rank_with_advice(one_rank, tmp_path):
    with pytest.raises(FloatingPointError, match="at epoch .*Try a smaller --lr"):
        distributed.main(args("--lr", "100", "--out", str(tmp_path / "r.json"), epochs=5))
    assert not (tmp_path / "r.json").exists()


def test_main_without_torchrun_says_how_to_start_it(monkeypatch, capsys):
    for name in distributed_setup.TORCHRUN_VARS:
        monkeypatch.delenv(name, raising=False)
    assert distributed.main(args()) == 2
    err = capsys.readouterr().err
    assert "must run under torchrun" in err
    assert "torchrun --standalone --nproc-per-node=2 -m helpers.distributed" in err


def test_module_without_torchrun_exits_with_the_message(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in distributed_setup.TORCHRUN_VARS}
    done = subprocess.run([sys.executable, "-m", "helpers.distributed", "--epochs", "1"],
                          cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 2
    assert "must run under torchrun" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--data", "iris"], "unknown dataset 'iris'; valid names: intercept_slope"),
        (["--batch-size", "0"], "must be >= 1, got '0'"),
        (["--epochs", "two"], "expected a int, got 'two'"),
        (["--lr", "0"], "must be > 0"),
        (["--backend", "mpi"], "invalid choice"),
    ],
)
def test_bad_arguments_name_the_argument_and_the_valid_values(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        distributed.parse_args(argv)
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


# --------------------------------------------------------------------------- the setup helpers
def test_load_dataset_gives_float32_columns_and_lists_valid_names():
    x, y = load_dataset("intercept_slope")
    assert x.shape == (200, 1) and y.shape == (200, 1) and x.dtype == torch.float32
    torch.testing.assert_close(x, helpers.make_intercept_slope_data(as_tensor=True)[0])
    assert "intercept_slope" in DATASETS
    if "penguins" in DATASETS:  # notebook 06's data: flipper length standardised
        x, y = load_dataset("penguins")
        assert x.shape == (342, 1) and y.shape == (342, 1)
        assert abs(float(x.mean())) < 1e-6 and float(x.std(unbiased=False)) == pytest.approx(1)
    with pytest.raises(ValueError, match="Valid names: intercept_slope"):
        load_dataset("mnist")


def test_torchrun_env_reads_the_variables_or_says_to_use_torchrun():
    env = {"RANK": "3", "WORLD_SIZE": "4", "LOCAL_RANK": "1", "MASTER_ADDR": "h",
           "MASTER_PORT": "1"}  # fmt: skip
    assert torchrun_env(env) == (3, 4, 1)
    with pytest.raises(RuntimeError, match=r"must run under torchrun.*\n  torchrun --standalone"):
        torchrun_env({"RANK": "0"})


def test_choose_backend_gloo_on_cpu_nccl_with_a_gpu_per_rank(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert choose_backend(0, 2) == ("gloo", torch.device("cpu"))
    with pytest.raises(ValueError, match="needs one CUDA GPU per rank: 2 rank"):
        choose_backend(0, 2, "nccl")
    with pytest.raises(ValueError, match="backend must be"):
        choose_backend(0, 2, "mpi")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert choose_backend(1, 2) == ("nccl", torch.device("cuda", 1))
    assert choose_backend(1, 4) == ("gloo", torch.device("cpu")), "4 ranks cannot share 2 GPUs"
    assert choose_backend(1, 2, "gloo") == ("gloo", torch.device("cpu"))


@pytest.mark.parametrize(("n", "world", "extra"), [(200, 3, 1), (10, 4, 2), (7, 7, 0)])
def test_padding_note_says_what_the_sampler_repeats(n, world, extra):
    shares = [list(DistributedSampler(range(n), world, r, seed=0)) for r in range(world)]
    indices = [i for share in shares for i in share]
    assert len(indices) - n == extra and set(indices) == set(range(n))
    note = padding_note(n, world)
    if extra:
        assert (
            f"repeats {extra} sample(s) each epoch so that every rank gets {len(shares[0])}" in note
        )
    else:
        assert note is None


def test_padding_note_rejects_bad_arguments():
    with pytest.raises(ValueError, match="world_size must be at least 1"):
        padding_note(200, 0)
    with pytest.raises(TypeError, match="n must be an integer"):
        padding_note(200.0, 3)


def test_write_json_atomically_leaves_the_old_file_when_writing_fails(tmp_path):
    path = tmp_path / "sub" / "r.json"
    write_json_atomically({"a": [1.5]}, path)
    assert json.loads(path.read_text()) == {"a": [1.5]}
    with pytest.raises(TypeError):
        write_json_atomically({"a": object()}, path)
    assert json.loads(path.read_text()) == {"a": [1.5]}
    assert os.listdir(path.parent) == ["r.json"]
