"""The settings file and the URL rules: where settings come from, their precedence, their errors,
and what the rules make of a URL (exclusions, accepted statuses, remaps, proxied links)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from linkcheck.check.rules import Rules, parse_remap, parse_remap_arg, parse_statuses
from linkcheck.cli import app
from linkcheck.settings import SettingsError, load_settings
from tests.conftest import ROOT

runner = CliRunner()


def show(*args: str, env: dict[str, str] | None = None) -> dict[str, tuple[str, str]]:
    """``config show`` as {key: (value, source)}."""
    result = runner.invoke(app, ["config", "show", *args], env=env)
    assert result.exit_code == 0, result.output
    found = {}
    for line in result.stdout.splitlines():
        m = re.match(r"^(#\s)?([\w.\"-]+) = (.*?)\s+# (.+)$", line)
        if m:
            found[m.group(2)] = (m.group(3), m.group(4))
    return found


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# -- sources and precedence -------------------------------------------------------------------------


def test_defaults_without_any_file(in_tmp: Path) -> None:
    found = show()
    assert found["per_host"] == ("2", "default")
    assert found["timeout"] == ("20.0", "default")
    assert found["exclude"] == ("[]", "default")


def test_linkcheck_toml_then_environment_then_command_line(in_tmp: Path) -> None:
    write(
        in_tmp / "linkcheck.toml",
        '[check]\nper_host = 1\ntimeout = 5\narchive_url = "http://file.test"\nolder_than = "3d"\n',
    )
    found = show(env={"LINKCHECK_ARCHIVE_URL": "http://env.test"})
    assert found["per_host"] == ("1", "linkcheck.toml")
    assert found["timeout"] == ("5", "linkcheck.toml")
    assert found["older_than"] == ('"3d"', "linkcheck.toml")
    assert found["archive_url"] == ('"http://env.test"', "environment LINKCHECK_ARCHIVE_URL")
    found = show(
        "--timeout", "9", "--archive-url", "http://cli.test", env={"LINKCHECK_ARCHIVE_URL": "http://env.test"}
    )
    assert found["timeout"] == ("9.0", "command line")
    assert found["archive_url"] == ('"http://cli.test"', "command line")
    assert found["per_host"] == ("1", "linkcheck.toml")


def test_the_file_value_is_what_check_uses(in_tmp: Path) -> None:
    write(in_tmp / "linkcheck.toml", '[check]\nolder_than = "0"\n')
    write(in_tmp / "refs.txt", "See http://127.0.0.1:9/a (accessed 1 May 2020).\n")
    assert runner.invoke(app, ["seed", "refs.txt"]).exit_code == 0
    # A private address is skipped without a request: checked, then due again at once, as the file says.
    assert "Checked 1 of 1 link" in runner.invoke(app, ["check"]).stdout
    time.sleep(1.1)
    assert (
        "Nothing to check" in runner.invoke(app, ["check", "--older-than", "7d"]).stdout
    )  # the command line wins
    assert "Checked 1 of 1 link" in runner.invoke(app, ["check"]).stdout


def test_pyproject_tool_table_and_config_option_and_environment(in_tmp: Path) -> None:
    write(in_tmp / "pyproject.toml", '[project]\nname = "thesis"\n\n[tool.linkcheck.check]\nper_host = 3\n')
    assert show()["per_host"] == ("3", "pyproject.toml [tool.linkcheck]")
    write(in_tmp / "linkcheck.toml", "[check]\nper_host = 4\n")  # linkcheck.toml comes first
    assert show()["per_host"] == ("4", "linkcheck.toml")
    (in_tmp / "ci").mkdir()
    write(in_tmp / "ci" / "strict.toml", "[check]\nper_host = 5\n")
    assert show("--config", "ci/strict.toml")["per_host"] == ("5", "ci/strict.toml")
    assert show(env={"LINKCHECK_CONFIG": "ci/strict.toml"})["per_host"] == ("5", "ci/strict.toml")
    # A pyproject.toml without the table is not ours.
    (in_tmp / "linkcheck.toml").unlink()
    write(in_tmp / "pyproject.toml", '[project]\nname = "thesis"\n')
    assert show()["per_host"] == ("2", "default")


def test_exclusions_add_up_from_every_source(in_tmp: Path) -> None:
    write(in_tmp / "linkcheck.toml", 'exclude = ["^https?://a\\\\."]\n[check]\nexclude = ["b"]\n')
    write(in_tmp / ".linkcheckignore", "# comment\n\nc$\n")
    value, source = show("--exclude", "d")["exclude"]
    assert value == '["^https?://a\\\\.", "b", "c$", "d"]'
    assert source == "linkcheck.toml, .linkcheckignore, command line"


# -- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[check]\nper_hots = 2\n", "check.per_hots: unknown key (did you mean 'per_host'?)"),
        ("exclud = []\n", "exclud: unknown key (did you mean 'exclude'?)"),
        ("[check]\nper_host = 0\n", "check.per_host: must be at least 1, got 0"),
        ("[check]\ntimeout = true\n", "check.timeout: expected a number, got True"),
        ("[check]\nolder_than = \"soon\"\n", "check.older_than: 'soon' is not a duration"),
        ('exclude = ["("]\n', "exclude: '(' is not a regular expression"),
        ('accept = "200-299"\n', "accept: '200-299' is not a status"),
        ('[hosts."a.example"]\nper_hots = 1\n',
         "hosts.\"a.example\".per_hots: unknown key (did you mean 'per_host'?)"),
        ('[hosts."a.example"]\ntimeout = -1\n', 'hosts."a.example".timeout: must be at least'),
        ('[[remap]]\npattern = "(a)"\nreplacement = "$2"\n',
         "remap[1].pattern: replacement '$2' names group 2"),
        ('[[remap]]\npattern = "a"\n', "remap[1].replacement: missing"),
        ('[proxy]\nprefixes = ["ezproxy/login?url="]\n',
         "proxy.prefixes: 'ezproxy/login?url=' is not an http"),
        ('[[owners]]\nname = "History"\n', "owners[1].documents: missing"),
        ('[[owners]]\nname = "H"\nemail = "nobody"\ndocuments = ["a/**"]\n',
         "owners[1].email: 'nobody' is not an e-mail"),
        ("[check\n", "not valid TOML"),
    ],
)  # fmt: skip
def test_a_bad_settings_file_is_one_line_naming_file_and_key(in_tmp: Path, text: str, expected: str) -> None:
    write(in_tmp / "linkcheck.toml", text)
    for command in (["check"], ["config", "show"], ["summary"]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2, (command, result.output)
        assert result.stderr.startswith(f"linkcheck: linkcheck.toml: {expected}"), result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert "Traceback" not in result.output


def test_every_problem_is_named_at_once_and_nothing_is_stored(in_tmp: Path) -> None:
    write(in_tmp / "linkcheck.toml", "colour = 1\n[check]\nretries = -1\nconcurency = 3\n")
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "linkcheck: linkcheck.toml: colour: unknown key (known keys: exclude, exclude_documents, accept, "
        "check, remap, proxy, hosts, owners)",
        "linkcheck: linkcheck.toml: check.concurency: unknown key (did you mean 'concurrency'?)",
        "linkcheck: linkcheck.toml: check.retries: must be at least 0, got -1",
    ]
    assert not (in_tmp / "linkcheck.db").exists()


def test_a_missing_config_file_and_a_bad_ignore_line(in_tmp: Path) -> None:
    result = runner.invoke(app, ["check", "--config", "nope.toml"])
    assert (
        result.exit_code == 2
        and result.stderr == "linkcheck: nope.toml: no such settings file (named by --config)\n"
    )
    write(in_tmp / ".linkcheckignore", "fine\n[unclosed\n")
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 2 and result.stderr.startswith(
        "linkcheck: .linkcheckignore: line 2: '[unclosed'"
    )


def test_schedule_files_take_the_new_check_options_with_the_same_errors(tmp_path: Path) -> None:
    from linkcheck.schedule import ScheduleError, load_schedule

    good = write(tmp_path / "a.toml", 'every = "1d"\n[check]\nexclude = ["x"]\naccept = "403"\n')
    config = load_schedule(good)
    assert config.check.rules.excluded("http://x.org/") == "x"
    assert 403 in (config.check.rules.accept or ())
    bad = write(tmp_path / "b.toml", 'every = "1d"\n[check]\naccept = "forbidden"\n')
    with pytest.raises(ScheduleError) as e:
        load_schedule(bad)
    assert e.value.problems[0].startswith(f"{bad}: check.accept: 'forbidden' is not a status")


def test_the_bundled_example_is_valid_and_shows_every_key(tmp_path: Path) -> None:
    settings = load_settings(str(ROOT / "examples" / "linkcheck.toml"), cwd=tmp_path)
    assert settings.owners and settings.hosts and settings.remaps and settings.exclude
    assert settings.proxy_prefixes and settings.proxy_hosts and settings.exclude_documents
    text = (ROOT / "examples" / "linkcheck.toml").read_text(encoding="utf-8")
    from linkcheck.settings import HOST_KEYS, OWNER_KEYS, PROXY_KEYS, REMAP_KEYS, TOP_KEYS

    for key in {*TOP_KEYS, *HOST_KEYS, *OWNER_KEYS, *PROXY_KEYS, *REMAP_KEYS} - {
        "check",
        "proxy",
        "hosts",
        "owners",
        "remap",
    }:
        assert re.search(rf"^#? ?{key} = ", text, re.M), f"examples/linkcheck.toml does not show {key}"


def test_load_settings_raises_every_problem(tmp_path: Path) -> None:
    write(tmp_path / "linkcheck.toml", "[check]\nper_hots = 1\ntimeout = 0\n")
    with pytest.raises(SettingsError) as e:
        load_settings(cwd=tmp_path)
    assert len(e.value.problems) == 2


# -- what the rules make of a URL -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cited", "target"),
    [
        ("https://ezproxy.example.edu/login?url=https://publisher.example/article?a=1&b=2",
         "https://publisher.example/article?a=1&b=2"),
        ("https://ezproxy.example.edu/login?url=https%3A%2F%2Fpublisher.example%2Fa", "https://publisher.example/a"),
        ("https://login.ezproxy.example.edu/login?qurl=https%3A%2F%2Fpublisher.example%2Fa%3Fx%3D1%26y%3D2",
         "https://publisher.example/a?x=1&y=2"),
        ("https://www-publisher-com.ezproxy.example.edu/doi/10.1/x", "https://www.publisher.com/doi/10.1/x"),
        ("http://my--site-org.ezproxy2.lib.example.ac.uk:8080/a", "http://my-site.org:8080/a"),
        # Not proxied: left as cited.
        ("https://shop.example/login?url=/cart", "https://shop.example/login?url=/cart"),
        ("https://www-publisher-com.example.edu/a", "https://www-publisher-com.example.edu/a"),
        ("https://ezproxy.example.edu/menu", "https://ezproxy.example.edu/menu"),
    ],
)  # fmt: skip
def test_proxied_links_unwrap_to_their_target(cited: str, target: str) -> None:
    assert Rules().target(cited) == target


def test_configured_proxies_and_turning_recognition_off() -> None:
    rules = Rules(
        proxy_prefixes=("https://go.lib.example.edu/auth?target=",), proxy_hosts=("proxy.lib.example.edu",)
    )
    assert rules.target("https://go.lib.example.edu/auth?target=https://a.example/x") == "https://a.example/x"
    assert rules.target("https://a-example-org.proxy.lib.example.edu/x") == "https://a.example.org/x"
    off = Rules(unwrap_proxies=False)
    cited = "https://ezproxy.example.edu/login?url=https://publisher.example/a"
    assert off.target(cited) == cited


def test_remap_rules_and_statuses() -> None:
    rule = parse_remap(r"^https?://old\.example\.org/(?P<rest>.*)$", "https://new.example.org/${rest}")
    assert rule.apply("http://old.example.org/a/b") == "https://new.example.org/a/b"
    assert rule.apply("http://other.example.org/a") is None
    assert parse_remap_arg(r"^http://a\.example/(\d+) https://b.example/id/\1").apply(
        "http://a.example/7"
    ) == ("https://b.example/id/7")
    with pytest.raises(ValueError, match="REGEX REPLACEMENT"):
        parse_remap_arg("only-a-pattern")
    statuses = parse_statuses("200..299, 403")
    assert 250 in statuses and 403 in statuses and 404 not in statuses and str(statuses) == "200..299,403"
    assert 404 in parse_statuses([403, "404..404"])
    for bad in ("299..200", "abc", "", "42"):
        with pytest.raises(ValueError):
            parse_statuses(bad)


# -- help texts and -V --------------------------------------------------------------------------------


def test_help_shows_values_as_people_read_them_and_minus_v_is_version() -> None:
    for command in (["check"], ["summary"], ["run"], ["seed"], ["ack"], ["config", "show"]):
        result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "80"})
        assert result.exit_code == 0
        for label in ("<list[str]>", "<bool>", "<str>", "<int", "<float"):
            assert label not in result.stdout, (command, label)
        assert "…" not in result.stdout, command  # nothing cut off at 80 columns
    assert " N " in runner.invoke(app, ["check", "--help"], env={"COLUMNS": "100"}).stdout
    short, long = runner.invoke(app, ["-V"]), runner.invoke(app, ["--version"])
    assert short.exit_code == long.exit_code == 0 and short.stdout == long.stdout
    assert short.stdout.startswith("linkcheck ")
