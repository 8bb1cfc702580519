#!/usr/bin/env python3
"""Static checks of deploy/.

Docker and Kubernetes do not run on the development machines, so the files under deploy/ are
checked here instead: every YAML and JSON file parses, and the Dockerfile, the compose file,
the systemd unit, the Kubernetes manifests, the Prometheus configuration and alert rules and the
Grafana dashboards agree with the program: the binary and its subcommands, the admin port 9464
and its endpoints, the configuration paths, the topic names, the metric names, and the
configuration files they embed (byte for byte).

Needs Python 3.11 and PyYAML. When `systemd-analyze`, `kubectl` or `promtool` are on the PATH,
the unit is also verified by systemd, the kustomization rendered by kubectl and the alert rules
checked by promtool; without them those checks are skipped.

Prints one line per failure and closes with `deploy: N passed, M failed`; exits 1 on failure."""
from __future__ import annotations

import contextlib
import fnmatch
import importlib.util
import json
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

sys.dont_write_bytecode = True  # importing render-deploy.py leaves no __pycache__ in scripts/
root = pathlib.Path(__file__).resolve().parent.parent
deploy = root / "deploy"
passed = 0
failed = 0

# What the daemon exports on /metrics (README, "Metrics"). Histograms add _bucket/_sum/_count.
METRICS = {
    "moments_events_consumed_total", "moments_decode_failures_total", "moments_dead_letters_total",
    "moments_moments_detected_total", "moments_recovery_actions_total", "moments_coaching_signals_total",
    "moments_outputs_produced_total", "moments_produce_errors_total", "moments_consumer_lag", "moments_consumer_prefetched",
    "moments_processing_latency_seconds", "moments_open_interactions", "moments_customers_in_state",
    "moments_rules_reloads_total", "moments_rules_reload_failures_total", "moments_discount_budget_used",
    "moments_ready", "moments_partitions_assigned", "moments_partitions_lost_total", "moments_stale_deliveries_total",
    "moments_silenced_total", "moments_inhibited_total", "moments_input_paused", "moments_state_changelog_off",
    "moments_pipeline_stalled",
}
HISTOGRAMS = {"moments_processing_latency_seconds"}
INPUT_TOPIC = "interactions"
OUTPUT_TOPICS = {"moments.alerts", "moments.recovery", "moments.coaching"}
DEAD_LETTER_TOPIC = "moments.dead-letter"
CHANGELOG_TOPIC = "moments-state-changelog"  # <group_id>-state-changelog for group `moments`
TOPIC_PARTITIONS = {INPUT_TOPIC: 12, **{t: 12 for t in OUTPUT_TOPICS}, DEAD_LETTER_TOPIC: 3, CHANGELOG_TOPIC: 12}
ADMIN_PORT = 9464
DAEMON_CONFIG = "/etc/moments/daemon.yaml"
RUN_ARGS = ["run", "--config", DAEMON_CONFIG]
KNOWN_ENV = {
    "MOMENTS_KAFKA_BOOTSTRAP_SERVERS", "MOMENTS_KAFKA_GROUP_ID", "MOMENTS_KAFKA_INPUT_TOPICS",
    "MOMENTS_TOPIC_ALERTS", "MOMENTS_TOPIC_RECOVERY", "MOMENTS_TOPIC_COACHING", "MOMENTS_TOPIC_DEAD_LETTER",
    "MOMENTS_COMMIT_INTERVAL", "MOMENTS_SHUTDOWN_TIMEOUT", "MOMENTS_RESTORE_LOOKBACK", "MOMENTS_WALL_CLOCK_ADVANCE",
    "MOMENTS_CHANGELOG", "MOMENTS_CHANGELOG_TOPIC", "MOMENTS_PROCESSING_GUARANTEE", "MOMENTS_TRANSACTIONAL_ID",
    "MOMENTS_RULES", "MOMENTS_ADMIN_LISTEN", "MOMENTS_ADMIN_TOKEN", "MOMENTS_ADMIN_ENABLED", "MOMENTS_STATE_DIR",
    "MOMENTS_LOG_FORMAT", "MOMENTS_LOG_LEVEL", "MOMENTS_LOG_PERSONAL_DATA",
}
ENV_PREFIXES = ("MOMENTS_KAFKA_PROPERTY_", "MOMENTS_KAFKA_CONSUMER_PROPERTY_", "MOMENTS_KAFKA_PRODUCER_PROPERTY_")


def check(ok: bool, what: str) -> bool:
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL " + " ".join(str(what).split()))  # one line per failure
    return bool(ok)


@contextlib.contextmanager
def section(name: str):
    """A section that breaks (a missing key, a wrong type) is one failure, not a traceback."""
    try:
        yield
    except Exception as e:  # noqa: BLE001 — report and go on with the next section
        check(False, f"{name}: cannot be checked ({type(e).__name__}: {e})")


def rel(path: pathlib.Path) -> str:
    return str(path.relative_to(root))


def metric_names(expr: str) -> set[str]:
    names = set()
    for n in re.findall(r"\bmoments_[a-z_]+", expr):
        base = re.sub(r"_(bucket|sum|count)$", "", n)
        names.add(base if base in HISTOGRAMS else n)
    return names


def metrics_known(expr: str, where: str) -> None:
    used = metric_names(expr)
    check(bool(used) or "up{" in expr, f"{where}: uses no Moments metric")
    unknown = used - METRICS
    check(not unknown, f"{where}: unknown metrics {sorted(unknown)}")


def env_dict(env) -> dict[str, str]:
    """Compose `environment` as a mapping or a list of NAME=value; Kubernetes env lists."""
    if env is None:
        return {}
    if isinstance(env, dict):
        return {str(k): str(v) for k, v in env.items()}
    out = {}
    for item in env:
        if isinstance(item, dict):
            out[item["name"]] = str(item.get("value", ""))
        else:
            k, _, v = str(item).partition("=")
            out[k] = v
    return out


def env_name_known(name: str) -> bool:
    return name in KNOWN_ENV or any(name.startswith(p) and len(name) > len(p) for p in ENV_PREFIXES)


# --- Everything parses ------------------------------------------------------------------------
docs: dict[pathlib.Path, object] = {}
for path in sorted(deploy.rglob("*")):
    if not path.is_file():
        continue
    if path.suffix in (".yml", ".yaml"):
        try:
            docs[path] = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]
            check(bool(docs[path]), f"{rel(path)}: has a YAML document")
        except yaml.YAMLError as e:
            check(False, f"{rel(path)}: YAML: {e}")
    elif path.suffix == ".json":
        try:
            docs[path] = json.loads(path.read_text(encoding="utf-8"))
            check(True, rel(path))
        except json.JSONDecodeError as e:
            check(False, f"{rel(path)}: JSON: {e}")


def doc(relpath: str, index: int = 0):
    return docs[deploy / relpath][index]


daemon_config = yaml.safe_load((root / "config/daemon.yaml").read_text(encoding="utf-8"))
dockerfile_uid = None
dockerfile_state_dir = None
# Every runtime must set MOMENTS_STATE_DIR to a directory the daemon's user can write: the
# default (state/ beside the config: /etc/moments/state) is read-only for it, and `moments run`
# refuses to start, with the admin endpoint on, when it cannot write the state directory.
DEFAULT_STATE_DIR = "/etc/moments/state"


def env_instructions(instructions) -> dict[str, str]:
    """The variables a Dockerfile stage sets with ENV (NAME=value forms, or NAME value)."""
    out = {}
    for op, arg in instructions:
        if op != "ENV":
            continue
        if "=" in arg.split()[0]:
            for pair in arg.split():
                k, _, v = pair.partition("=")
                out[k] = v.strip('"')
        else:
            k, _, v = arg.partition(" ")
            out[k] = v.strip().strip('"')
    return out

# --- Dockerfile -------------------------------------------------------------------------------
with section("Dockerfile"):
    text = (deploy / "Dockerfile").read_text(encoding="utf-8")
    # Join continuation lines, drop comments: one instruction per line.
    lines = [ln for ln in re.sub(r"\\\n", " ", text).splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    instr = [(ln.split(None, 1)[0].upper(), ln.split(None, 1)[1] if len(ln.split(None, 1)) > 1 else "") for ln in lines]
    stages = [i for i, (op, _) in enumerate(instr) if op == "FROM"]
    check(len(stages) >= 2, "Dockerfile: multi-stage (at least two FROM)")
    final = instr[stages[-1]:] if stages else instr
    users = [arg.strip() for op, arg in final if op == "USER"]
    check(bool(users) and users[-1].split(":")[0] not in ("root", "0"), "Dockerfile: the runtime stage ends as a non-root USER")
    if users and users[-1].split(":")[0].isdigit():
        dockerfile_uid = int(users[-1].split(":")[0])
    else:
        m = re.search(r"useradd\b[^\n]*--uid (\d+)", text)
        dockerfile_uid = int(m.group(1)) if m else None
    check(any(op == "EXPOSE" and str(ADMIN_PORT) in arg.split() for op, arg in final), f"Dockerfile: EXPOSE {ADMIN_PORT}")
    health = [arg for op, arg in final if op == "HEALTHCHECK"]
    check(bool(health) and f"127.0.0.1:{ADMIN_PORT}/healthz" in health[-1], f"Dockerfile: HEALTHCHECK on http://127.0.0.1:{ADMIN_PORT}/healthz")
    if health:
        tool = re.search(r"\b(curl|wget)\b", health[-1])
        check(tool is not None and re.search(rf"apt-get install[^\n]*\b{tool.group(1)}\b", text) is not None,
              "Dockerfile: the HEALTHCHECK's tool (curl or wget) is installed in the runtime image")
    entry = [arg for op, arg in final if op == "ENTRYPOINT"]
    check(bool(entry) and json.loads(entry[-1]) == ["moments"], 'Dockerfile: ENTRYPOINT ["moments"]')
    cmd = [arg for op, arg in final if op == "CMD"]
    check(bool(cmd) and json.loads(cmd[-1]) == RUN_ARGS, f"Dockerfile: CMD {json.dumps(RUN_ARGS)}")
    check(re.search(r"ENV\s+MOMENTS_ADMIN_LISTEN=0\.0\.0\.0:9464", text) is not None, "Dockerfile: ENV MOMENTS_ADMIN_LISTEN=0.0.0.0:9464")
    dockerfile_state_dir = env_instructions(final).get("MOMENTS_STATE_DIR")
    check(dockerfile_state_dir not in (None, "", DEFAULT_STATE_DIR), "Dockerfile: ENV MOMENTS_STATE_DIR (a writable state directory)")
    if dockerfile_state_dir:
        final_text = "\n".join(f"{op} {arg}" for op, arg in final)
        owner = r"(?:moments|10001)"
        made = (re.search(rf"install -d[^\n]*-o {owner}\b[^\n]*\s{re.escape(dockerfile_state_dir)}(?:\s|$)", final_text)
                or re.search(rf"chown[^\n]*\b{owner}\b[^\n]*\s{re.escape(dockerfile_state_dir)}(?:\s|$)", final_text))
        check(made is not None, f"Dockerfile: {dockerfile_state_dir} (MOMENTS_STATE_DIR) is made for the runtime user (install -d -o or chown)")
    build_stage = "\n".join(f"{op} {arg}" for op, arg in instr[: stages[-1]]) if stages else ""
    check("librdkafka-dev" in build_stage, "Dockerfile: the build stage installs librdkafka-dev")
    check(re.search(r"\blibrdkafka1\b", "\n".join(f"{op} {arg}" for op, arg in final)) is not None, "Dockerfile: the runtime stage installs librdkafka1")
    # The executable links jemalloc (Package.swift, CJemalloc): without it the binary does not start.
    check("libjemalloc-dev" in build_stage, "Dockerfile: the build stage installs libjemalloc-dev")
    check(re.search(r"\blibjemalloc2\b", "\n".join(f"{op} {arg}" for op, arg in final)) is not None, "Dockerfile: the runtime stage installs libjemalloc2")
    check(re.search(r"swift build -c release[^\n]*--product moments", build_stage) is not None, "Dockerfile: swift build -c release --product moments")
    check("--static-swift-stdlib" in build_stage or "swift" in (final[0][1] if final else ""),
          "Dockerfile: the runtime has the Swift runtime (--static-swift-stdlib or a swift *-slim image)")
    check(any(op == "COPY" and "--from=" in arg and "/usr/local/bin/moments" in arg for op, arg in final),
          "Dockerfile: the binary is copied to /usr/local/bin/moments")
    for cfg in ("daemon.yaml", "moments.yaml"):
        check(any(op == "COPY" and f"config/{cfg}" in arg and "/etc/moments" in arg for op, arg in final),
              f"Dockerfile: config/{cfg} is copied to /etc/moments/")
    copied_top = set()
    for op, arg in instr:
        if op != "COPY" or "--from=" in arg:
            continue
        parts = [p for p in arg.split() if not p.startswith("--")]
        for src in parts[:-1]:
            src = src.removeprefix("./")
            copied_top.add(src.split("/")[0])
            if any(ch in src for ch in "*?["):
                check(any(root.glob(src)), f"Dockerfile: COPY {src} matches a file")
            else:
                check((root / src).exists(), f"Dockerfile: COPY source {src} exists")
    # SwiftPM checks every target's folder when it loads the package, even for one product.
    manifest = (root / "Package.swift").read_text(encoding="utf-8")
    needed = {"Package.swift", "Sources"}
    if ".testTarget(" in manifest:
        needed.add("Tests")
    needed |= {p.split("/")[0] for p in re.findall(r'path:\s*"([^"]+)"', manifest)}
    for top in sorted(needed):
        check(top in copied_top or any(fnmatch.fnmatch(top, c) for c in copied_top),
              f"Dockerfile: copies {top} (Package.swift needs it to build)")
    # The Dockerfile-specific ignore file (BuildKit) must let those folders through.
    ignore = deploy / "Dockerfile.dockerignore"
    if check(ignore.exists(), "deploy/Dockerfile.dockerignore exists (keeps .build/ out of the context)"):
        rules = [ln.strip() for ln in ignore.read_text(encoding="utf-8").splitlines() if ln.strip() and not ln.startswith("#")]

        def ignored(name: str) -> bool:
            state = False
            for r in rules:
                neg = r.startswith("!")
                pat = r.lstrip("!").rstrip("/")
                if fnmatch.fnmatch(name, pat):
                    state = not neg
            return state

        for top in sorted(needed | {"config"}):
            check(not ignored(top), f"Dockerfile.dockerignore: does not exclude {top}")
        check(ignored(".build"), "Dockerfile.dockerignore: excludes .build")

# --- docker compose ---------------------------------------------------------------------------
compose_services = {}
with section("docker-compose.yml"):
    compose = doc("docker-compose.yml")
    services = compose_services = compose["services"]
    kafka = services["kafka"]
    check(str(kafka["image"]).startswith("apache/kafka:"), "compose: kafka uses the official apache/kafka image")
    kenv = env_dict(kafka.get("environment"))
    roles = {r.strip() for r in kenv.get("KAFKA_PROCESS_ROLES", "").split(",")}
    check(roles == {"broker", "controller"}, "compose: KRaft combined node (KAFKA_PROCESS_ROLES=broker,controller)")
    check(bool(kenv.get("KAFKA_CONTROLLER_QUORUM_VOTERS")), "compose: KAFKA_CONTROLLER_QUORUM_VOTERS set")
    ctl = kenv.get("KAFKA_CONTROLLER_LISTENER_NAMES", "")
    check(bool(ctl) and f"{ctl}://" in kenv.get("KAFKA_LISTENERS", ""), "compose: the controller listener is among KAFKA_LISTENERS")
    check("PLAINTEXT://kafka:9092" in kenv.get("KAFKA_ADVERTISED_LISTENERS", ""), "compose: kafka advertises kafka:9092 to the other services")
    check(not any(k.startswith("KAFKA_ZOOKEEPER") for k in kenv), "compose: no ZooKeeper settings")
    check("healthcheck" in kafka, "compose: kafka has a healthcheck")

    init = services["kafka-init"]
    check(str(init["image"]).startswith("apache/kafka:"), "compose: kafka-init uses the apache/kafka image")
    check(init.get("depends_on", {}).get("kafka", {}).get("condition") == "service_healthy", "compose: kafka-init waits for a healthy kafka")
    script = " ".join(init["command"]) if isinstance(init["command"], list) else str(init["command"])
    check("/opt/kafka/bin/kafka-topics.sh" in script, "compose: kafka-init uses /opt/kafka/bin/kafka-topics.sh")
    created = dict(re.findall(r"^\s*create (\S+) (\d+)", script, re.M))
    check(set(created) == set(TOPIC_PARTITIONS), f"compose: kafka-init creates {sorted(TOPIC_PARTITIONS)} (found {sorted(created)})")
    for topic, n in TOPIC_PARTITIONS.items():
        if topic in created:
            check(int(created[topic]) == n, f"compose: {topic} has {n} partitions (found {created[topic]})")
    check(re.search(rf"create {re.escape(CHANGELOG_TOPIC)} \d+ [^\n]*cleanup\.policy=compact", script) is not None,
          f"compose: {CHANGELOG_TOPIC} is compacted")
    # The topics agree with the daemon's configuration.
    k = daemon_config["kafka"]
    configured = set(k["input_topics"]) | set(k["topics"].values())
    check(configured | {f"{k['group_id']}-state-changelog"} == set(TOPIC_PARTITIONS),
          f"compose: the topics are those of config/daemon.yaml (it names {sorted(configured)})")

    m = services["moments"]
    check(m.get("build", {}).get("dockerfile") == "deploy/Dockerfile" and m.get("build", {}).get("context") == "..",
          "compose: moments is built from deploy/Dockerfile with the repository root as context")
    check(m.get("depends_on", {}).get("kafka-init", {}).get("condition") == "service_completed_successfully",
          "compose: moments starts once kafka-init completed successfully")
    menv = env_dict(m.get("environment"))
    check(menv.get("MOMENTS_KAFKA_BOOTSTRAP_SERVERS") == "kafka:9092", "compose: moments MOMENTS_KAFKA_BOOTSTRAP_SERVERS=kafka:9092")
    check(menv.get("MOMENTS_ADMIN_LISTEN") == f"0.0.0.0:{ADMIN_PORT}", f"compose: moments MOMENTS_ADMIN_LISTEN=0.0.0.0:{ADMIN_PORT}")
    check(all(env_name_known(n) for n in menv), f"compose: moments sets only known variables ({sorted(n for n in menv if not env_name_known(n))})")
    check(any(str(p).endswith(f"{ADMIN_PORT}:{ADMIN_PORT}") for p in m.get("ports", [])), f"compose: moments publishes {ADMIN_PORT}")
    state_dir = menv.get("MOMENTS_STATE_DIR", dockerfile_state_dir)
    check(state_dir not in (None, "", DEFAULT_STATE_DIR), "compose: moments has a writable MOMENTS_STATE_DIR (its own or the image's)")
    state_volumes = [str(v).split(":") for v in m.get("volumes", []) if str(v).split(":")[1:2] == [state_dir]]
    check(any(v[0] in (compose.get("volumes") or {}) and v[2:] != ["ro"] for v in state_volumes),
          f"compose: moments mounts a named volume, read-write, at its state directory {state_dir} (admin silences survive a new container)")
    sim = services.get("simulator", {})
    check("demo" in sim.get("profiles", []), "compose: simulator only in the demo profile")
    sim_cmd = sim.get("command", [])
    check(sim_cmd[:1] == ["simulate"] and "--bootstrap-servers" in sim_cmd and sim_cmd[sim_cmd.index("--bootstrap-servers") + 1] == "kafka:9092"
          and "--rate" in sim_cmd, "compose: simulator runs `moments simulate --bootstrap-servers kafka:9092 --rate ...`")
    if "--topic" in sim_cmd:
        check(sim_cmd[sim_cmd.index("--topic") + 1] == INPUT_TOPIC, f"compose: simulator produces to {INPUT_TOPIC}")
    prom_svc = services["prometheus"]
    check(str(prom_svc["image"]).startswith("prom/prometheus"), "compose: prometheus uses prom/prometheus")
    check(any(str(p).startswith("9090:") for p in prom_svc.get("ports", [])), "compose: prometheus publishes 9090")
    for name, svc in services.items():
        for v in svc.get("volumes", []):
            src = str(v).split(":")[0]
            if src.startswith("."):
                check((deploy / src).resolve().exists(), f"compose: {name} mounts {src}, which exists")
    check(all("9464" not in str(s.get("ports", [])) for n, s in services.items() if n != "moments"), "compose: only moments publishes 9464")

# --- Prometheus -------------------------------------------------------------------------------
with section("prometheus"):
    prom = doc("prometheus/prometheus.yml")
    jobs = {j["job_name"]: j for j in prom["scrape_configs"]}
    targets = [t for j in jobs.values() for sc in j.get("static_configs", []) for t in sc["targets"]]
    check(f"moments:{ADMIN_PORT}" in targets, f"prometheus: scrapes moments:{ADMIN_PORT}")
    check(jobs.get("moments", {}).get("metrics_path", "/metrics") == "/metrics", "prometheus: job `moments` scrapes /metrics")
    mounts = {str(v).split(":")[1]: str(v).split(":")[0] for v in compose_services.get("prometheus", {}).get("volumes", [])}
    check(bool(prom.get("rule_files")), "prometheus: has rule_files")
    for rf in prom.get("rule_files", []):
        src = mounts.get(rf)
        check(src is not None and (deploy / src).exists(), f"prometheus: rule file {rf} is mounted from a file in deploy/")
        check((deploy / "prometheus" / pathlib.Path(rf).name).exists(), f"prometheus: rule file {pathlib.Path(rf).name} exists in deploy/prometheus")

with section("alerts.yml"):
    alerts = doc("prometheus/alerts.yml")
    names = set()
    for group in alerts["groups"]:
        for rule in group["rules"]:
            if "alert" not in rule:
                continue
            name = rule["alert"]
            check(name not in names, f"alert {name}: unique")
            names.add(name)
            metrics_known(rule["expr"], f"alert {name}")
            check(rule.get("labels", {}).get("severity") in ("critical", "warning", "info"), f"alert {name}: severity label critical|warning|info")
            ann = rule.get("annotations", {})
            check(bool(ann.get("summary")), f"alert {name}: summary annotation")
            check(bool(ann.get("description")), f"alert {name}: description annotation")
    for needed in ["MomentsNotReady", "MomentsConsumerLagGrowing", "MomentsDeadLettersRising", "MomentsRulesReloadFailed", "MomentsProduceErrors"]:
        check(needed in names, f"alerts: {needed} present")
    promtool = shutil.which("promtool")
    if promtool:
        r = subprocess.run([promtool, "check", "rules", str(deploy / "prometheus/alerts.yml")], capture_output=True, text=True, timeout=60)
        check(r.returncode == 0, f"alerts: promtool check rules: {(r.stdout + r.stderr).strip()[:300]}")

# --- systemd ----------------------------------------------------------------------------------
with section("systemd"):
    unit_path = deploy / "systemd/moments.service"
    unit = unit_path.read_text(encoding="utf-8")
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for ln in unit.splitlines():
        s = ln.strip()
        if not s or s.startswith(("#", ";")):
            continue
        if s.startswith("[") and s.endswith("]"):
            current = sections.setdefault(s[1:-1], {})
        elif current is not None and "=" in s:
            key, _, value = s.partition("=")
            current.setdefault(key.strip(), []).append(value.strip())
    svc = sections.get("Service", {})

    def has(key: str, value: str) -> bool:
        return value in svc.get(key, [])

    for key, value in [
        ("ExecStart", f"/usr/local/bin/moments run --config {DAEMON_CONFIG}"), ("ExecReload", "/bin/kill -HUP $MAINPID"),
        ("Restart", "on-failure"), ("User", "moments"), ("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"),
        ("ReadWritePaths", "/var/lib/moments"), ("StateDirectory", "moments"), ("ProtectHome", "yes"), ("PrivateTmp", "yes"),
        ("PrivateDevices", "yes"), ("CapabilityBoundingSet", ""), ("EnvironmentFile", "-/etc/moments/moments.env"),
        ("SystemCallFilter", "@system-service"), ("RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX"), ("Type", "notify"),
        ("NotifyAccess", "main"),
    ]:
        check(has(key, value), f"systemd: {key}={value}")
    check(bool(svc.get("RestartSec")), "systemd: RestartSec set")
    # The watchdog is fed every few seconds while the pipeline lives (SystemdNotifications):
    # an interval much shorter than that, and a busy machine would restart a healthy daemon.
    watchdog = svc.get("WatchdogSec", [""])[-1]
    check(re.fullmatch(r"\d+(s|min)", watchdog) is not None and int(re.match(r"\d+", watchdog).group()) * (60 if watchdog.endswith("min") else 1) >= 30,
          f"systemd: WatchdogSec of at least 30 s (found '{watchdog}')")
    check(bool(svc.get("TimeoutStopSec")), "systemd: TimeoutStopSec set")
    check("multi-user.target" in sections.get("Install", {}).get("WantedBy", []), "systemd: WantedBy=multi-user.target")
    unit_env = dict(e.partition("=")[::2] for v in svc.get("Environment", []) for e in v.split())
    state_dir = unit_env.get("MOMENTS_STATE_DIR")
    check(state_dir not in (None, "", DEFAULT_STATE_DIR), "systemd: Environment=MOMENTS_STATE_DIR (a writable state directory)")
    # StateDirectory=name is /var/lib/name, made for User=; ProtectSystem=strict leaves only ReadWritePaths writable.
    check(state_dir in {f"/var/lib/{d}" for v in svc.get("StateDirectory", []) for d in v.split()},
          f"systemd: MOMENTS_STATE_DIR {state_dir} is a StateDirectory= (made for the service's user)")
    check(state_dir in {p for v in svc.get("ReadWritePaths", []) for p in v.split()}, f"systemd: MOMENTS_STATE_DIR {state_dir} is in ReadWritePaths=")
    env_example = (deploy / "systemd/moments.env.example").read_text(encoding="utf-8")
    set_vars = re.findall(r"^\s*#?\s*(MOMENTS_[A-Z0-9_]+)=", env_example, re.M)
    check("MOMENTS_KAFKA_PROPERTY_SASL_PASSWORD" in set_vars, "systemd: moments.env.example shows MOMENTS_KAFKA_PROPERTY_SASL_PASSWORD")
    unknown = sorted({v for v in set_vars if not env_name_known(v)})
    check(not unknown, f"systemd: moments.env.example uses only known variables (unknown: {unknown})")
    analyze = shutil.which("systemd-analyze")
    if analyze:
        # The binary is not installed here: verify a copy whose commands point at /bin/true.
        with tempfile.TemporaryDirectory() as tmp:
            copy = pathlib.Path(tmp) / "moments.service"
            copy.write_text(unit.replace("/usr/local/bin/moments", "/bin/true"), encoding="utf-8")
            r = subprocess.run([analyze, "verify", str(copy)], capture_output=True, text=True, timeout=60)
            # Only what it says about the unit itself (not about the machine it runs on).
            complaints = [ln for ln in (r.stdout + r.stderr).splitlines() if copy.name in ln]
            check(r.returncode == 0 and not complaints, f"systemd: systemd-analyze verify: {' | '.join(complaints) or r.returncode}")

# --- Kubernetes -------------------------------------------------------------------------------
with section("kubernetes"):
    k8s = deploy / "kubernetes"
    kustomization = doc("kubernetes/kustomization.yaml")
    resources = kustomization.get("resources", [])
    for r in resources:
        check((k8s / r).exists(), f"kustomization: {r} exists")
    check("secret.example.yaml" not in resources, "kustomization: the example Secret is not applied")
    objects = {}
    for p in sorted(k8s.glob("*.yaml")):
        if p.name == "kustomization.yaml":
            continue
        for d in docs[p]:
            objects.setdefault(d["kind"], []).append((p.name, d))
    for kind in ["Deployment", "ConfigMap", "Service", "PodDisruptionBudget", "Secret"]:
        check(kind in objects, f"kubernetes: a {kind}")
    applied = {name for name, _ in sum(objects.values(), [])}
    for kind in ["Deployment", "ConfigMap", "Service", "PodDisruptionBudget"]:
        check(any(f in resources for f, _ in objects.get(kind, [])), f"kustomization: lists the {kind}")
    missing = sorted(applied - {"secret.example.yaml"} - set(resources))
    check(not missing, f"kustomization: lists every manifest ({missing} missing)")

    dep = objects["Deployment"][0][1]
    spec = dep["spec"]
    pod = spec["template"]["spec"]
    pod_labels = spec["template"]["metadata"]["labels"]
    check(spec["selector"]["matchLabels"].items() <= pod_labels.items(), "deployment: the selector matches the pod labels")
    check(isinstance(spec.get("replicas"), int) and 1 <= spec["replicas"] <= TOPIC_PARTITIONS[INPUT_TOPIC],
          "deployment: 1 <= replicas <= input partitions")
    container = next(c for c in pod["containers"] if "moments" in c["name"])
    check("moments" in container["image"], "deployment: the image is moments")
    argv = container.get("command", []) + container.get("args", [])
    check(argv[-3:] == RUN_ARGS, f"deployment: runs `moments {' '.join(RUN_ARGS)}`")
    check(container["livenessProbe"]["httpGet"]["path"] == "/healthz" and container["livenessProbe"]["httpGet"]["port"] in (ADMIN_PORT, "admin"),
          f"deployment: liveness probe GET /healthz on {ADMIN_PORT}")
    check(container["readinessProbe"]["httpGet"]["path"] == "/readyz" and container["readinessProbe"]["httpGet"]["port"] in (ADMIN_PORT, "admin"),
          f"deployment: readiness probe GET /readyz on {ADMIN_PORT}")
    check(any(p["containerPort"] == ADMIN_PORT for p in container.get("ports", [])), f"deployment: container port {ADMIN_PORT}")
    cenv = env_dict(container.get("env"))
    check(cenv.get("MOMENTS_ADMIN_LISTEN") == f"0.0.0.0:{ADMIN_PORT}", f"deployment: MOMENTS_ADMIN_LISTEN=0.0.0.0:{ADMIN_PORT}")
    check(all(env_name_known(n) for n in cenv), f"deployment: only known variables ({sorted(n for n in cenv if not env_name_known(n))})")
    psc, csc = pod.get("securityContext", {}), container.get("securityContext", {})
    check(psc.get("runAsNonRoot") is True or csc.get("runAsNonRoot") is True, "deployment: runAsNonRoot")
    check(csc.get("readOnlyRootFilesystem") is True, "deployment: readOnlyRootFilesystem")
    check(csc.get("allowPrivilegeEscalation") is False, "deployment: allowPrivilegeEscalation false")
    run_as = csc.get("runAsUser", psc.get("runAsUser"))
    check(run_as is None or run_as == dockerfile_uid, f"deployment: runAsUser {run_as} is the image's user {dockerfile_uid}")
    check(bool(container.get("resources", {}).get("requests")) and bool(container.get("resources", {}).get("limits")), "deployment: resources requests and limits")
    check(pod.get("terminationGracePeriodSeconds", 30) >= 30, "deployment: terminationGracePeriodSeconds >= 30")
    ann = spec["template"]["metadata"].get("annotations", {})
    check(ann.get("prometheus.io/scrape") == "true" and ann.get("prometheus.io/port") == str(ADMIN_PORT), "deployment: prometheus.io scrape annotations")
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    mounts = {m["mountPath"]: m["name"] for m in container.get("volumeMounts", [])}
    cm = objects["ConfigMap"][0][1]
    config_volume = volumes.get(mounts.get("/etc/moments", ""), {})
    check(config_volume.get("configMap", {}).get("name") == cm["metadata"]["name"], "deployment: /etc/moments is the ConfigMap")
    check("emptyDir" in volumes.get(mounts.get("/var/lib/moments", ""), {}), "deployment: /var/lib/moments is an emptyDir")
    state_dir = cenv.get("MOMENTS_STATE_DIR", dockerfile_state_dir)
    check(state_dir not in (None, "", DEFAULT_STATE_DIR), "deployment: a writable MOMENTS_STATE_DIR (its own or the image's)")
    # readOnlyRootFilesystem: only a mounted volume can be written.
    state_mount = next((m for m in container.get("volumeMounts", []) if m["mountPath"] == state_dir), None)
    check(state_mount is not None and not state_mount.get("readOnly", False),
          f"deployment: a read-write volume is mounted at MOMENTS_STATE_DIR {state_dir}")
    secret = objects["Secret"][0][1]
    secret_refs = [e["secretRef"]["name"] for e in container.get("envFrom", []) if "secretRef" in e]
    check(secret["metadata"]["name"] in secret_refs, "deployment: environment from the Secret")
    check("MOMENTS_KAFKA_PROPERTY_SASL_PASSWORD" in (secret.get("stringData") or secret.get("data") or {}), "secret: MOMENTS_KAFKA_PROPERTY_SASL_PASSWORD")
    check(all(env_name_known(n) for n in (secret.get("stringData") or {})), "secret: only known variables")
    # The admin port is open to the pod network: POST /silences must need the token. The probes
    # and the scrape use /healthz, /readyz and /metrics, which need none.
    token = next((e for e in container.get("env", []) if e["name"] == "MOMENTS_ADMIN_TOKEN"), {})
    token_ref = token.get("valueFrom", {}).get("secretKeyRef", {})
    check(token_ref.get("name") == secret["metadata"]["name"] and not token_ref.get("optional", False),
          "deployment: MOMENTS_ADMIN_TOKEN from the Secret, required")
    check(token_ref.get("key") in (secret.get("stringData") or secret.get("data") or {}), "secret: has the MOMENTS_ADMIN_TOKEN key the deployment reads")

    service = objects["Service"][0][1]
    ports = service["spec"]["ports"]
    check(any(p["port"] == ADMIN_PORT and p.get("name") == "admin" for p in ports), f"service: port {ADMIN_PORT} named admin")
    check(service["spec"]["selector"].items() <= pod_labels.items(), "service: the selector matches the pods")
    pdb = objects["PodDisruptionBudget"][0][1]
    check(pdb["spec"].get("maxUnavailable") == 1, "poddisruptionbudget: maxUnavailable 1")
    check(pdb["spec"]["selector"]["matchLabels"].items() <= pod_labels.items(), "poddisruptionbudget: the selector matches the pods")

    data = cm.get("data", {})
    for name in ("daemon.yaml", "moments.yaml"):
        check(data.get(name) == (root / "config" / name).read_text(encoding="utf-8"),
              f"configmap: {name} equals config/{name} byte for byte (run scripts/render-deploy.py)")
    kubectl = shutil.which("kubectl")
    if kubectl:
        r = subprocess.run([kubectl, "kustomize", str(k8s)], capture_output=True, text=True, timeout=120)
        check(r.returncode == 0, f"kubernetes: kubectl kustomize: {r.stderr.strip()[:300]}")
        if r.returncode == 0:
            rendered = [d for d in yaml.safe_load_all(r.stdout) if d]
            check(sorted(d["kind"] for d in rendered) == sorted(["ConfigMap", "Deployment", "Service", "PodDisruptionBudget"]),
                  "kubernetes: kubectl kustomize renders the ConfigMap, Deployment, Service and PodDisruptionBudget")

# --- Grafana ----------------------------------------------------------------------------------
with section("grafana"):
    ds_uids = {d.get("uid") for p in (deploy / "grafana/provisioning/datasources").glob("*.yml") for doc_ in docs[p] for d in doc_.get("datasources", [])}
    grafana_mounts = [str(v) for v in compose_services.get("grafana", {}).get("volumes", [])]
    providers = [pr for p in (deploy / "grafana/provisioning/dashboards").glob("*.yml") for doc_ in docs[p] for pr in doc_.get("providers", [])]
    board_dirs = {pr["options"]["path"] for pr in providers}
    for name in ["dashboard-supervisors.json", "dashboard-operators.json"]:
        board = docs[deploy / "grafana" / name]
        check(bool(board.get("uid")) and bool(board.get("title")), f"{name}: uid and title")
        check(isinstance(board.get("schemaVersion"), int) and board["schemaVersion"] >= 36, f"{name}: schemaVersion >= 36")
        panels = board.get("panels", [])
        check(bool(panels), f"{name}: has panels")
        ids = [p.get("id") for p in panels]
        check(len(ids) == len(set(ids)) and None not in ids, f"{name}: panel ids unique")
        for p in panels:
            where = f"{name} panel '{p.get('title')}'"
            check(all(k in p.get("gridPos", {}) for k in "xywh"), f"{where}: gridPos")
            check(bool(p.get("targets")), f"{where}: has targets")
            for t in p.get("targets", []):
                metrics_known(t["expr"], where)
                uid = (t.get("datasource") or p.get("datasource") or {}).get("uid")
                check(uid in ds_uids or uid == "${DS_PROMETHEUS}", f"{where}: datasource uid {uid!r} is provisioned")
        check(any(m.startswith(f"./grafana/{name}:") and m.split(":")[1].rsplit("/", 1)[0] in board_dirs for m in grafana_mounts),
              f"compose: grafana mounts {name} where the dashboard provider reads")
    text = " ".join(t["expr"] for name in ["dashboard-supervisors.json", "dashboard-operators.json"]
                    for p in docs[deploy / "grafana" / name]["panels"] for t in p["targets"])
    # Every exported metric is on a dashboard: one that is not is one nobody looks at.
    for metric in sorted(METRICS):
        check((metric + "_bucket" if metric in HISTOGRAMS else metric) in text, f"grafana: a panel shows {metric}")
    render_script = root / "scripts/render-deploy.py"
    if render_script.exists():
        spec_ = importlib.util.spec_from_file_location("render_deploy", render_script)
        render = importlib.util.module_from_spec(spec_)
        spec_.loader.exec_module(render)
        for relpath, expected in render.outputs.items():
            check((root / relpath).read_text(encoding="utf-8") == expected, f"{relpath} is up to date (run scripts/render-deploy.py)")

# --- README -----------------------------------------------------------------------------------
with section("README"):
    readme = (deploy / "README.md").read_text(encoding="utf-8")
    for phrase in ["docker compose", "systemctl", "kubectl apply -k", "check-deploy.py"]:
        check(phrase in readme, f"deploy/README.md mentions `{phrase}`")

print(f"deploy: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
