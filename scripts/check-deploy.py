#!/usr/bin/env python3
"""Static checks of deploy/: files that cannot run on the development machines (no Docker
engine, no Kubernetes) must at least parse and agree with the program: ports, paths, the
binary, topic names, metric names, and the configuration they embed.

Prints one line per failure and closes with `deploy: N passed, M failed`."""
import importlib.util
import json
import pathlib
import re
import sys

import yaml

root = pathlib.Path(__file__).resolve().parent.parent
deploy = root / "deploy"
passed = 0
failed = 0

METRICS = {
    "moments_events_consumed_total", "moments_decode_failures_total", "moments_dead_letters_total",
    "moments_moments_detected_total", "moments_recovery_actions_total", "moments_coaching_signals_total",
    "moments_outputs_produced_total", "moments_produce_errors_total", "moments_consumer_lag",
    "moments_processing_latency_seconds", "moments_open_interactions", "moments_customers_in_state",
    "moments_rules_reloads_total", "moments_rules_reload_failures_total", "moments_discount_budget_used",
    "moments_ready", "moments_partitions_assigned",
}
TOPICS = {"interactions", "moments.alerts", "moments.recovery", "moments.coaching", "moments.dead-letter", "moments-state-changelog"}


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {what}")


def metric_names(expr):
    names = set(re.findall(r"\bmoments_[a-z_]+", expr))
    return {re.sub(r"_(bucket|sum|count)$", "", n) if re.sub(r"_(bucket|sum|count)$", "", n) in METRICS else n for n in names}


def metrics_known(expr, where):
    unknown = metric_names(expr) - METRICS
    check(not unknown, f"{where}: unknown metrics {sorted(unknown)}")


# Everything parses.
docs = {}
for path in sorted(deploy.rglob("*")):
    if path.suffix in (".yml", ".yaml"):
        try:
            docs[path] = list(yaml.safe_load_all(path.read_text()))
            check(True, path)
        except yaml.YAMLError as e:
            check(False, f"{path}: {e}")
    elif path.suffix == ".json":
        try:
            docs[path] = json.loads(path.read_text())
            check(True, path)
        except json.JSONDecodeError as e:
            check(False, f"{path}: {e}")

# Dockerfile
dockerfile = (deploy / "Dockerfile").read_text()
check(len(re.findall(r"^FROM ", dockerfile, re.M)) >= 2, "Dockerfile: multi-stage (two FROM)")
check(re.search(r"^USER (?!root)\S+", dockerfile, re.M) is not None, "Dockerfile: non-root USER")
check("EXPOSE 9464" in dockerfile, "Dockerfile: EXPOSE 9464")
check("HEALTHCHECK" in dockerfile and "9464/healthz" in dockerfile, "Dockerfile: HEALTHCHECK on /healthz")
check('ENTRYPOINT ["moments"]' in dockerfile, "Dockerfile: ENTRYPOINT moments")
check("librdkafka1" in dockerfile and "librdkafka-dev" in dockerfile, "Dockerfile: librdkafka-dev to build, librdkafka1 to run")
check("--product moments" in dockerfile, "Dockerfile: builds the moments product")
for copied in re.findall(r"^COPY (?!--from)(.+) \S+$", dockerfile, re.M):
    for src in copied.split():
        check((root / src).exists(), f"Dockerfile: COPY source {src} exists")

# docker compose
compose = docs[deploy / "docker-compose.yml"][0]
services = compose["services"]
check(services["kafka"]["image"].startswith("apache/kafka"), "compose: official apache/kafka image")
env = services["kafka"]["environment"]
check("controller" in env.get("KAFKA_PROCESS_ROLES", ""), "compose: KRaft (process roles include controller)")
init = " ".join(services["kafka-init"]["command"])
created = set(re.findall(r"^\s*create (\S+)", init, re.M))
check(created == TOPICS, f"compose: kafka-init creates {sorted(TOPICS)} (found {sorted(created)})")
check("9464:9464" in services["moments"]["ports"], "compose: moments exposes 9464")
check(services["moments"]["build"]["dockerfile"] == "deploy/Dockerfile", "compose: builds deploy/Dockerfile")
prom = docs[deploy / "prometheus/prometheus.yml"][0]
targets = [t for job in prom["scrape_configs"] for sc in job["static_configs"] for t in sc["targets"]]
check(any(t.endswith(":9464") for t in targets), "prometheus: scrapes port 9464")
for rf in prom["rule_files"]:
    check((deploy / "prometheus" / pathlib.Path(rf).name).exists(), f"prometheus: rule file {rf} exists")
volumes = [v.split(":")[0] for s in services.values() for v in s.get("volumes", [])]
for v in volumes:
    check((deploy / v).exists(), f"compose: volume source {v} exists")

# Alert rules
alerts = docs[deploy / "prometheus/alerts.yml"][0]
names = set()
for group in alerts["groups"]:
    for rule in group["rules"]:
        names.add(rule["alert"])
        metrics_known(rule["expr"], f"alert {rule['alert']}")
        check("severity" in rule.get("labels", {}), f"alert {rule['alert']}: severity label")
        check("summary" in rule.get("annotations", {}), f"alert {rule['alert']}: summary")
for needed in ["MomentsNotReady", "MomentsConsumerLagGrowing", "MomentsDeadLettersRising", "MomentsRulesReloadFailed"]:
    check(needed in names, f"alerts: {needed} present")

# systemd
unit = (deploy / "systemd/moments.service").read_text()
for line in ["ExecStart=/usr/local/bin/moments run --config /etc/moments/daemon.yaml", "ExecReload=/bin/kill -HUP $MAINPID",
             "Restart=on-failure", "NoNewPrivileges=yes", "ProtectSystem=strict", "ReadWritePaths=/var/lib/moments", "User=moments"]:
    check(re.search(rf"^{re.escape(line)}$", unit, re.M) is not None, f"systemd: {line}")

# Kubernetes
k8s = deploy / "kubernetes"
kustomization = docs[k8s / "kustomization.yaml"][0]
for r in kustomization["resources"]:
    check((k8s / r).exists(), f"kustomization: {r} exists")
kinds = {d["kind"]: d for p in k8s.glob("*.yaml") if p.name != "kustomization.yaml" for d in docs[p] if d}
for kind in ["Deployment", "ConfigMap", "Service", "PodDisruptionBudget"]:
    check(kind in kinds, f"kubernetes: {kind}")
container = kinds["Deployment"]["spec"]["template"]["spec"]["containers"][0]
check("moments" in container["image"], "deployment: image is moments")
check(container["args"] == ["run", "--config", "/etc/moments/daemon.yaml"], "deployment: runs the daemon config")
check(container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": 9464}, "deployment: liveness /healthz on 9464")
check(container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": 9464}, "deployment: readiness /readyz on 9464")
check(any(e["name"] == "MOMENTS_ADMIN_LISTEN" and e["value"].endswith(":9464") for e in container["env"]), "deployment: admin listens beyond loopback")
check(any(m["mountPath"] == "/etc/moments" for m in container["volumeMounts"]), "deployment: config mounted at /etc/moments")
check(kinds["Service"]["spec"]["ports"][0]["port"] == 9464, "service: port 9464")
data = kinds["ConfigMap"]["data"]
check(data.get("daemon.yaml") == (root / "config/daemon.yaml").read_text(), "configmap: daemon.yaml equals config/daemon.yaml (run scripts/render-deploy.py)")
check(data.get("moments.yaml") == (root / "config/moments.yaml").read_text(), "configmap: moments.yaml equals config/moments.yaml (run scripts/render-deploy.py)")

# Grafana dashboards: generated, and only known metrics.
spec = importlib.util.spec_from_file_location("render", root / "scripts/render-deploy.py")
render = importlib.util.module_from_spec(spec)
spec.loader.exec_module(render)
for rel, text in render.outputs.items():
    check((root / rel).read_text() == text, f"{rel} is up to date (run scripts/render-deploy.py)")
for name in ["dashboard-supervisors.json", "dashboard-operators.json"]:
    board = docs[deploy / "grafana" / name]
    check(board.get("panels"), f"{name}: has panels")
    for p in board["panels"]:
        for t in p["targets"]:
            metrics_known(t["expr"], f"{name} panel '{p['title']}'")

print(f"deploy: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
