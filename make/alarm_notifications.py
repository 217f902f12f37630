"""Before `make deploy`: say plainly when the alarms will notify nobody (no AlarmEmail, no AlarmTopicArn).

python make/alarm_notifications.py samconfig.toml ENV    (prints a warning; never fails the deploy)
"""

import shlex
import sys
import tomllib


def notification_overrides(config: dict[str, object], env: str) -> dict[str, str]:
    section = config.get(env, {})
    deploy = section.get("deploy", {}) if isinstance(section, dict) else {}
    parameters = deploy.get("parameters", {}) if isinstance(deploy, dict) else {}
    overrides = parameters.get("parameter_overrides", "") if isinstance(parameters, dict) else ""
    words = shlex.split(overrides) if isinstance(overrides, str) else list(overrides)
    pairs = dict(word.split("=", 1) for word in words if "=" in word)
    return {name: pairs.get(name, "") for name in ("AlarmEmail", "AlarmTopicArn")}


def main(argv: list[str]) -> int:
    path, env = argv[1], argv[2] if len(argv) > 2 else "default"
    with open(path, "rb") as file:
        given = notification_overrides(tomllib.load(file), env)
    if not any(given.values()):
        print(f"WARNING: {path} [{env}] gives neither AlarmEmail nor AlarmTopicArn: the alarms will notify NOBODY.")
        print("         Set one in parameter_overrides, or subscribe the stack's AlarmTopicArn output afterwards")
        print("         (docs/runbook.md). The stack's AlarmNotifications output says who is notified.")
    else:
        print("alarms notify: " + ", ".join(f"{name}={value}" for name, value in given.items() if value))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
