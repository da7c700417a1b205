"""The log scrubber's quick path (one search before four substitutions) masks exactly what
the substitutions mask, on generated text built from the fragments secrets start with."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from pgcadence import redact

FRAGMENTS = ["://", "postgresql://app:", "@db/x", "Bearer ", "bearer\t", "BEARER ", "eyJ", "eyJhbGciOi.", "abc.",
             "password=", "PassWord = 's3cr", "' ", "hunter2", " ", "/", ":", "@", "=", ".", "x", "é", "\n"]


@settings(max_examples=2000, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=4)), max_size=12).map("".join))
def test_the_quick_path_masks_what_the_substitutions_mask(text):
    assert redact.scrub_text(text) == redact._scrub_text_always(text)


def test_the_quick_path_leaves_plain_fields_alone_and_masks_secrets():
    assert redact.scrub_text("6f1c0b7e-job game_platform_sync succeeded") == "6f1c0b7e-job game_platform_sync succeeded"
    assert redact.scrub_text("upstream said 502 for postgresql://u:hunter2@db/x") == \
        f"upstream said 502 for postgresql://u:{redact.MASK}@db/x"
    assert redact.scrub({"job_id": "j", "api_key": "k", "error": "Bearer abc.def"}) == \
        {"job_id": "j", "api_key": redact.MASK, "error": f"Bearer {redact.MASK}"}
