"""A served deployment runs each flow run in a child process that receives the flow pickled by value.

With string annotations (``from __future__ import annotations``) a type used only in annotations,
such as ``Path``, is not captured with the function, and Prefect's parameter validation fails with
"NightlyModel is not fully defined" before the run starts. This reproduces that path.
"""

import subprocess
import sys

import cloudpickle

import flows.nightly
from flows.nightly import nightly


def test_the_flow_pickled_by_value_validates_its_parameters_in_a_fresh_interpreter() -> None:
    cloudpickle.register_pickle_by_value(flows.nightly)
    try:
        payload = cloudpickle.dumps(nightly)
    finally:
        cloudpickle.unregister_pickle_by_value(flows.nightly)
    code = (
        "import pickle, sys\n"
        "flow = pickle.loads(sys.stdin.buffer.read())\n"
        "params = flow.validate_parameters({'lists_dir': 'data/raw', 'snapshot_date': '2026-11-22'})\n"
        "print(type(params['lists_dir']).__name__, params['snapshot_date'].isoformat(), params['refresh'])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], input=payload, capture_output=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert done.stdout.decode().split() == ["PosixPath", "2026-11-22", "True"]
