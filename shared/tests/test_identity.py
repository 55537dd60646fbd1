"""Peernet ids derived from an identity provider's issuer and subject."""
import uuid

from shared.identity import OIDC_NAMESPACE, peernet_id

ISSUER = "https://id.state.example/realms/peernet"


def test_a_providers_subject_gives_one_peernet_id_per_issuer():
    assert OIDC_NAMESPACE == uuid.uuid5(uuid.NAMESPACE_URL, "https://peernet.invalid/ids/oidc-subject")
    first = peernet_id(ISSUER, "248289761001")
    assert first == peernet_id(ISSUER, "248289761001") and uuid.UUID(first).version == 5
    assert first != peernet_id("https://other.example/", "248289761001")
    assert first != peernet_id(ISSUER, "248289761002")
    # Pinned: a change here would cut every signed-in person off from their records.
    assert first == "f18e079a-0baa-5557-a7d7-d4eed5804e3a"
