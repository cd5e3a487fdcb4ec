"""The report's matching: which tool declares a host, which tool a command is, whose result a contact is."""

from __future__ import annotations

from datetime import UTC, datetime

from tracklight.core.model import Default, Detect, Source, State, Telemetry, Tier, Tool
from tracklight.watch.model import DNS, TCP, Attempt, Outcome, Process
from tracklight.watch.report import (
    endpoint_owners,
    group_attempts,
    owners_of,
    render_text,
    responsible,
    results_for,
    telemetry_contacted,
    tools_of_command,
)

WHEN = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)


def tool(tool_id: str, endpoints: tuple[str, ...], executables: tuple[str, ...] = ()) -> Tool:
    return Tool(id=tool_id, name=tool_id.title(), telemetry=Telemetry(Tier.ANONYMIZED, Default.ON, endpoints=endpoints),
                source=Source.CATALOG, origin="x", detect=Detect(executables=executables))


TERRAFORM = tool("terraform", ("checkpoint-api.hashicorp.com",), ("terraform",))
CONSUL = tool("consul", ("checkpoint-api.hashicorp.com",), ("consul",))
WILD = tool("wild", ("*.telemetry.example",), ("wild",))
TOOLS = [TERRAFORM, CONSUL, WILD]
PROCESS = Process(7, "terraform version")


def test_owners_exactly_or_by_a_wildcard() -> None:
    owners = endpoint_owners(TOOLS)
    assert owners_of("Checkpoint-API.hashicorp.com.", owners) == [TERRAFORM, CONSUL]
    assert owners_of("eu.telemetry.example", owners) == [WILD]
    assert owners_of("telemetry.example", owners) == []
    assert owners_of("203.0.113.7", owners) == []


def test_the_tool_a_command_runs() -> None:
    assert tools_of_command(["/usr/local/bin/terraform", "version"], TOOLS) == ["terraform"]
    assert tools_of_command(["bash", "-c", "FOO=1 consul version && true"], TOOLS) == ["consul"]
    assert tools_of_command(["bash", "-c", "consul version"], TOOLS) == ["consul"]
    assert tools_of_command(["env", "A=1", "-i", "wild", "x"], TOOLS) == ["wild"]
    assert tools_of_command(["npx", "--yes", "terraform"], TOOLS) == ["terraform"]
    assert tools_of_command(["python3", "x.py"], TOOLS) == []


def test_a_shared_endpoint_is_put_down_to_the_commands_own_tool() -> None:
    attempts = [Attempt(DNS, 0.1, "127.0.0.1", 53, "checkpoint-api.hashicorp.com", "dns", PROCESS, "A query"),
                Attempt(TCP, 0.2, "127.77.0.1", 443, "checkpoint-api.hashicorp.com", "sni", PROCESS,
                        "TLS ClientHello")]
    groups = group_attempts(attempts, endpoint_owners(TOOLS))
    [group] = groups
    assert group.label == "checkpoint-api.hashicorp.com:443" and group.contacted_as == ("checkpoint-api.hashicorp.com:443",)
    assert responsible(group, {"terraform"}) == (TERRAFORM,)
    assert responsible(group) == (TERRAFORM, CONSUL)  # a command of neither: both declare it
    assert telemetry_contacted(groups, {"terraform"}) == [("terraform", "checkpoint-api.hashicorp.com")]
    results = results_for({"terraform"}, groups, {"terraform": State.ON}, WHEN, ["terraform", "version"])
    assert [(r.tool_id, r.contacted, r.opted_out) for r in results] == [
        ("terraform", ("checkpoint-api.hashicorp.com:443",), False)]
    text = render_text(Outcome(tuple(attempts), 0), groups, {"terraform": State.ON}, ["terraform", "version"],
                       {"terraform"})
    assert ("checkpoint-api.hashicorp.com:443 — Terraform's telemetry (tier anonymized; `tracklight optout "
            "terraform`); also declared by Consul") in text
    assert "  +  0.10 s  looked up (A)\n             pid 7 terraform version" in text
    assert "127.77.0.1" not in text  # a stand-in address says nothing the name doesn't


def test_a_silent_opted_out_tool_and_a_name_only_looked_up() -> None:
    looked_up = [Attempt(DNS, 0.1, "127.0.0.1", 53, "x.telemetry.example", "dns", None, "AAAA query")]
    groups = group_attempts(looked_up, endpoint_owners(TOOLS))
    assert groups[0].looked_up_only and groups[0].contacted_as == ("x.telemetry.example",)
    states = {"wild": State.OFF, "terraform": State.OFF}
    text = render_text(Outcome(tuple(looked_up), 0), groups, states, ["wild"], {"wild"})
    assert "x.telemetry.example (looked up only) — Wild's telemetry (tier anonymized; Tracklight's scan says it is " \
           "opted out)" in text
    assert "process not identified" in text
    silent = results_for({"terraform"}, [], states, WHEN, ["terraform", "version"])
    assert [(r.tool_id, r.contacted, r.opted_out) for r in silent] == [("terraform", (), True)]
