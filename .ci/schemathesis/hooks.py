"""Schemathesis hooks of the schema fuzzing (.ci/schemathesis.sh, loaded through the configuration's `hooks`).

A signed-in user may delete its own account (`DELETE /users/{user_id}`, legacy: self or admin), after which its
token no longer works and the rest of its run would only meet 401. The ids a run learns from responses include
the caller's own: such a case deletes the run's other account instead (SEEG_FUZZ_VICTIM_ID), created for that.
"""

import os

import schemathesis

SELF = os.environ.get("SEEG_FUZZ_SELF_ID", "")
VICTIM = os.environ.get("SEEG_FUZZ_VICTIM_ID", "")


@schemathesis.hook
def map_case(context, case):
    if case.method.upper() == "DELETE" and case.path == "/api/v1/users/{user_id}":
        user_id = (case.path_parameters or {}).get("user_id")
        if isinstance(user_id, str) and user_id.strip().lower() == SELF.lower():
            case.path_parameters["user_id"] = VICTIM
    return case
