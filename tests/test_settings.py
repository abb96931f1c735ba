import os
from pathlib import Path

import pytest

from assistant import Settings
from assistant.errors import ConfigError


def test_env_variables_are_read_and_typed(tmp_path):
    s = Settings.from_env({"ASSISTANT_TOP_K": "7", "ASSISTANT_TEMPERATURE": "0.5",
                           "ASSISTANT_DATA_DIR": str(tmp_path)})
    assert s.top_k == 7 and s.temperature == 0.5 and s.data_dir == tmp_path


def test_arguments_override_env():
    s = Settings.from_env({"ASSISTANT_TOP_K": "7"}, top_k=3)
    assert s.top_k == 3


def test_bad_env_value_names_the_variable():
    with pytest.raises(ConfigError, match="ASSISTANT_N_CTX"):
        Settings.from_env({"ASSISTANT_N_CTX": "lots"})


@pytest.mark.parametrize("field,value", [("chunk_size", 10), ("top_k", 0), ("max_tokens", 99999),
                                         ("n_gpu_layers", -2), ("chunk_overlap", 5000)])
def test_invalid_values_are_refused(field, value):
    with pytest.raises(ConfigError, match=field):
        Settings(**{field: value})


def test_settings_are_immutable_and_described():
    s = Settings()
    with pytest.raises(AttributeError):
        s.top_k = 3  # type: ignore[misc]
    assert all(Settings.describe().values())


@pytest.mark.parametrize("raw,value", [("false", False), ("0", False), ("off", False),
                                       ("true", True), ("1", True), ("Yes", True)])
def test_booleans_from_the_environment_are_parsed(raw, value):
    assert Settings.from_env({"ASSISTANT_GRAMMAR": raw}).grammar is value


def test_a_bad_boolean_names_the_variable_and_the_fix():
    with pytest.raises(ConfigError, match="ASSISTANT_GRAMMAR.*true or false"):
        Settings.from_env({"ASSISTANT_GRAMMAR": "maybe"})


# --- one rule for every way of building settings: arguments, then ASSISTANT_*, then defaults ---

@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch):
    for name in [n for n in os.environ if n.startswith("ASSISTANT_")]:
        monkeypatch.delenv(name)


WAYS = {"Settings": Settings, "from_env": Settings.from_env,
        "replace": lambda **kw: Settings(data_dir="unused").replace(**kw)}


@pytest.mark.parametrize("build", [Settings, Settings.from_env], ids=["Settings", "from_env"])
def test_variables_fill_what_the_arguments_leave_unset(build, monkeypatch, tmp_path):
    monkeypatch.setenv("ASSISTANT_MODEL", "qwen2.5-coder-1.5b")  # issue 20's surprise
    monkeypatch.setenv("ASSISTANT_TOP_K", "7")
    s = build(data_dir=tmp_path / "idx")
    assert (s.model, s.top_k, s.data_dir) == ("qwen2.5-coder-1.5b", 7, tmp_path / "idx")
    assert s.fusion == "zscore" and s.seed == 0  # defaults fill the rest
    assert build().top_k == 7


@pytest.mark.parametrize("build", [Settings, Settings.from_env], ids=["Settings", "from_env"])
def test_arguments_win_over_variables(build, monkeypatch, tmp_path):
    monkeypatch.setenv("ASSISTANT_TOP_K", "7")
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "from-variable"))
    monkeypatch.setenv("ASSISTANT_MODEL", "qwen2.5-coder-1.5b")
    s = build(top_k=3, data_dir=tmp_path / "idx")
    assert (s.top_k, s.data_dir, s.model) == (3, tmp_path / "idx", "qwen2.5-coder-1.5b")


def test_replace_keeps_the_originals_values_and_reads_no_variable(monkeypatch):
    monkeypatch.setenv("ASSISTANT_TOP_K", "7")
    original = Settings(seed=5)
    monkeypatch.setenv("ASSISTANT_TOP_K", "9")
    monkeypatch.setenv("ASSISTANT_SEED", "8")
    monkeypatch.setenv("ASSISTANT_FUSION", "rrf")
    changed = original.replace(mmr_lambda=0.5)
    assert (changed.top_k, changed.seed, changed.fusion, changed.mmr_lambda) == (7, 5, "zscore", 0.5)
    assert original.replace(top_k=2).top_k == 2 and original.mmr_lambda == 0.7
    monkeypatch.setenv("ASSISTANT_TOP_K", "many")  # not read either
    assert original.replace(seed=1).top_k == 7


def test_from_env_reads_the_given_mapping_instead_of_the_environment(monkeypatch):
    monkeypatch.setenv("ASSISTANT_TOP_K", "7")
    assert Settings.from_env({}).top_k == 4
    s = Settings.from_env({"ASSISTANT_SEED": "5"})
    assert (s.top_k, s.seed) == (4, 5)
    assert Settings().top_k == 7  # and the environment is back afterwards


def test_from_env_skips_overrides_that_are_none(monkeypatch):
    monkeypatch.setenv("ASSISTANT_TOP_K", "7")
    s = Settings.from_env(top_k=None, model=None)
    assert (s.top_k, s.model) == (7, None)


def test_empty_and_unknown_variables_are_ignored(monkeypatch):
    monkeypatch.setenv("ASSISTANT_TOP_K", "")
    monkeypatch.setenv("ASSISTANT_NOT_A_SETTING", "x")
    monkeypatch.setenv("assistant_seed", "3")  # names are upper case
    s = Settings()
    assert (s.top_k, s.seed) == (4, 0)


@pytest.mark.parametrize("kwargs", [{}, {"data_dir": "idx"}], ids=["no arguments", "data_dir"])
@pytest.mark.parametrize("build", [Settings, Settings.from_env], ids=["Settings", "from_env"])
def test_a_bad_variable_is_refused_with_its_name(build, kwargs, monkeypatch):
    monkeypatch.setenv("ASSISTANT_TOP_K", "many")
    with pytest.raises(ConfigError, match="^ASSISTANT_TOP_K='many' is not an integer; fix or unset "):
        build(**kwargs)
    monkeypatch.setenv("ASSISTANT_TOP_K", "0")  # a whole number, out of range
    with pytest.raises(ConfigError, match="top_k must be at least 1, got 0 .*ASSISTANT_TOP_K.*unset"):
        build(**kwargs)
    monkeypatch.setenv("ASSISTANT_TOP_K", "4")
    monkeypatch.setenv("ASSISTANT_GRAMMAR", "maybe")
    with pytest.raises(ConfigError, match="ASSISTANT_GRAMMAR='maybe'.*true or false"):
        build(**kwargs)


def test_a_variable_that_an_argument_overrides_is_not_read(monkeypatch):
    monkeypatch.setenv("ASSISTANT_TOP_K", "many")
    assert Settings(top_k=3).top_k == 3 and Settings.from_env(top_k=3).top_k == 3


@pytest.mark.parametrize("way", WAYS)
def test_a_bad_argument_is_refused_with_the_field_name(way):
    with pytest.raises(ConfigError, match="^invalid setting: top_k='many' is not an integer; pass"):
        WAYS[way](top_k="many")
    with pytest.raises(ConfigError, match="^invalid setting: chunk_size must be at least 100"):
        WAYS[way](chunk_size=10)
    with pytest.raises(ConfigError, match="^invalid setting: n_gpu_layers=True"):
        WAYS[way](n_gpu_layers=True)


@pytest.mark.parametrize("way", WAYS)
def test_unknown_arguments_are_refused(way):
    with pytest.raises(ConfigError, match=r"^unknown setting\(s\): bogus, top_kk$"):
        WAYS[way](top_kk=3, bogus=1)


def test_paths_are_expanded_and_n_gpu_layers_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("ASSISTANT_MODELS_DIR", "~/m")
    monkeypatch.setenv("ASSISTANT_N_GPU_LAYERS", "12")
    s = Settings(data_dir="~/idx")
    assert (s.data_dir, s.models_dir) == (Path.home() / "idx", Path.home() / "m")
    assert s.n_gpu_layers == 12 and s.replace(n_gpu_layers="auto").n_gpu_layers == "auto"


def test_describe_covers_every_field():
    names = set(Settings.describe())
    assert names == set(Settings().model_dump()) and {"top_k", "n_gpu_layers"} <= names
