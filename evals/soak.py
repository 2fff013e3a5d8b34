"""`make soak`: a bounded load run on loopback, then the same load on one process.

1. One `chroma run`, the corpus ingested into it, one llama.cpp server with the bundled GGUF,
   and two `assistant serve` replicas (own data folders, backend openai to that server);
   --clients clients ask /v1/ask round-robin across them for --seconds.
2. One replica with the in-process (embedded) model, the same clients and seconds.

Writes soak.json and soak.md to --out and exits 1 when a status other than 200 or 503 with
Retry-After came back, a /healthz failed, or a replica's RSS drifted 10% or more in the
two-replica run. Every process it started is stopped, on failure and Ctrl-C too.

    python -m evals.soak [--seconds 60] [--clients 32] [--out .data/soak]
"""

from __future__ import annotations

import shutil
import signal
from pathlib import Path
from typing import Annotated

import httpx
import typer

from evals.processes import LaunchError
from evals.soak_figures import problems
from evals.soak_report import write_soak_report
from evals.soak_runs import SOAK_SETTINGS, SoakError, run_setups, say, soak_questions

CORPUS = Path(__file__).resolve().parents[1] / "corpus"

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@app.command()
def soak(
    seconds: Annotated[float, typer.Option(min=1, help="Length of each setup's load.")] = 60.0,
    clients: Annotated[int, typer.Option(min=1, max=1000, help="Concurrent clients.")] = 32,
    warmup: Annotated[float, typer.Option(min=0, help="Seconds into the load when RSS is first sampled.")] = 10.0,
    llm_threads: Annotated[
        int, typer.Option(min=1, max=64, help="Threads of the llama server and the in-process model.")
    ] = 2,
    out: Annotated[Path, typer.Option(help="Folder for soak.json, soak.md and the processes' logs.")] = Path(
        ".data/soak"
    ),
    corpus: Annotated[Path, typer.Option(help="Articles to ingest.")] = CORPUS,
) -> None:
    """Soak two replicas behind one Chroma server and one llama.cpp server, then one in-process replica."""
    if warmup >= seconds:
        raise typer.BadParameter(f"must be shorter than --seconds ({seconds:g})", param_hint="--warmup")
    if not corpus.is_dir():
        raise typer.BadParameter(f"{corpus} is not a folder", param_hint="--corpus")
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # a kill stops our processes like Ctrl-C
    work = out / "work"  # the processes' data and logs, kept for a look afterwards
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    try:
        runs = run_setups(work, corpus.resolve(), clients, seconds, warmup, llm_threads)
    except KeyboardInterrupt:
        say("interrupted; every process it started is stopped")
        raise typer.Exit(130) from None
    except (LaunchError, SoakError, httpx.HTTPError) as error:
        say(f"could not run: {str(error).splitlines()[0]} (logs in {work})")
        raise typer.Exit(1) from None

    found = problems(runs[0], check_rss=True) + [p for run in runs[1:] for p in problems(run, check_rss=False)]
    settings = {
        "clients": clients, "seconds": seconds, "warmup_seconds": warmup, "llm_threads": llm_threads,
        "questions": len(soak_questions()), **SOAK_SETTINGS,
    }  # fmt: skip
    report = write_soak_report(out, settings, runs, found)
    print(f"soak: figures in {report} and {report.with_name('soak.json')}")
    if found:
        say(f"FAILED: {found[0]}" + (f" (and {len(found) - 1} more in soak.md)" if len(found) > 1 else ""))
        raise typer.Exit(1)


if __name__ == "__main__":
    app(prog_name="python -m evals.soak")
