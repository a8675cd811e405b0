from warroom.playbook.secrets import mask, mask_url


def test_urls_lose_their_passwords_and_keys() -> None:
    assert mask_url("https://user:hunter2@hooks.example/x?key=abc&a=1") == (
        "https://user:****@hooks.example/x?key=****&a=1"
    )
    assert mask_url("smtp://relay.local:25") == "smtp://relay.local:25"


def test_nested_config() -> None:
    config = {
        "host": "https://k8s.local",
        "token": "eyJ...",
        "nested": {"api_key": "x"},
        "urls": ["postgresql://app:pw@db/x"],
    }
    assert mask(config) == {
        "host": "https://k8s.local",
        "token": "****",
        "nested": {"api_key": "****"},
        "urls": ["postgresql://app:****@db/x"],
    }
