"""A client generated from the OpenAPI document (openapi-python-client)
lists, creates and updates a person against a running register.

    python3 contract/client_check.py BASE_URL TOKEN

with the generated package `rekisteri_client` on PYTHONPATH
(contract/schemathesis.sh generates it).
"""

import sys

from rekisteri_client import AuthenticatedClient
from rekisteri_client.api.people import people_create, people_list, people_read, people_replace
from rekisteri_client.models import PersonDraft


def main(base: str, token: str) -> None:
    client = AuthenticatedClient(base_url=base, token=token, raise_on_unexpected_status=True)

    draft = PersonDraft(
        first_name="Aino",
        last_name="Asiakas",
        emails=["aino.asiakas@esimerkki.fi"],
        phones=["040 765 4321"],
        source="registration",
    )
    created = people_create.sync_detailed(client=client, body=draft)
    assert created.status_code == 201, (created.status_code, created.content)
    person = created.parsed
    etag = created.headers["etag"]

    listed = people_list.sync(client=client, limit=500)
    assert any(p.id == person.id for p in listed.items), "the new person is listed"

    draft.title = "toimitusjohtaja"
    updated = people_replace.sync_detailed(id=person.id, client=client, body=draft, if_match=etag)
    assert updated.status_code == 200, (updated.status_code, updated.content)
    assert updated.parsed.title == "toimitusjohtaja"
    assert updated.headers["etag"] == '"2"', updated.headers

    again = people_read.sync(id=person.id, client=client)
    assert again.version == 2 and again.title == "toimitusjohtaja"

    # A stale ETag is refused: the client sees the documented 412.
    stale = people_replace.sync_detailed(id=person.id, client=client, body=draft, if_match=etag)
    assert stale.status_code == 412, stale.status_code
    print("generated client: listed, created and updated a person; a stale ETag got 412")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
