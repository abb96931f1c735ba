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
