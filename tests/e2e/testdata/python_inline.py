"""Runs examples/python's program inline through the Automation API: `python_inline.py ACTION...`.

The program is the example's own __main__.py, run as a module (runpy), so the example stays an ordinary
`pulumi up` project. The SDK serves the language runtime from this process: no pulumi-language-python.

Environment: EXAMPLE (the example's __main__.py), WORK_DIR, STACK, STACK_CONFIG (a JSON object).
Each ACTION (up, destroy) prints one line `RESULT <json>`.
"""

import json
import os
import runpy
import sys

from pulumi import automation as auto


def program():
    runpy.run_path(os.environ["EXAMPLE"], run_name="__main__")


def main(actions):
    stack = auto.create_or_select_stack(
        stack_name=os.environ["STACK"],
        project_name="circleci-oidc-python",
        program=program,
        work_dir=os.environ["WORK_DIR"],
    )
    stack.set_all_config({k: auto.ConfigValue(v) for k, v in (json.loads(os.environ.get("STACK_CONFIG") or "{}") or {}).items()})
    progress = lambda line: print(line, file=sys.stderr)  # noqa: E731
    for action in actions:
        if action == "up":
            res = stack.up(on_output=progress)
            out = {
                "outputs": {k: v.value for k, v in res.outputs.items()},
                "secretOutputs": sorted(k for k, v in res.outputs.items() if v.secret),
                "changes": res.summary.resource_changes,
            }
        elif action == "destroy":
            res = stack.destroy(on_output=progress)
            out = {"changes": res.summary.resource_changes}
        else:
            sys.exit("unknown action " + action)
        print("RESULT " + json.dumps(out), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
