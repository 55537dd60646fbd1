"""The documented score of an offer, and its explanation in plain words.

Score of a peer worker for a person (only peers that pass every hard limit
are scored; see projections.Pool.fits):

    10 for each item both of them shared for matching
     5 when they are in the same place (region)
     3 for speaking a common language (a hard limit, so every offer has it)
     1 for each way of meeting both can use (in person, phone, text, video, group)
     8 for continuity: a peer the person connected with before and said they liked

Ties go to the peer with more free places, then to the lower id (stable).
The weights make the index exact: a remote peer who shares no item scores at
most 3 + 5 = 8, below any peer in the person's place (at least 9) and any
peer sharing an item (at least 14), so the index only needs to look at the
person's place, remote peers sharing an item, and liked peers, and scans the
other remote peers only when those give fewer than the offers wanted.
"""
from __future__ import annotations

from shared.experiences import EXPERIENCE_LABELS
from shared.languages import english_name

SHARED_ITEM, SAME_PLACE, LANGUAGE, MODALITY, CONTINUITY = 10, 5, 3, 1, 8
MODALITY_WORDS = {"in_person": "in person", "phone": "by phone", "text": "by text", "video": "by video",
                  "group": "in a group"}
# What a close fit has; what is named as relaxed when an offer lacks it.
RELAXED_ITEMS, RELAXED_PLACE = "shared experience", "same place"


def score(shared_items: int, same_place: bool, common_modalities: int, liked: bool) -> int:
    return (SHARED_ITEM * shared_items + (SAME_PLACE if same_place else 0) + LANGUAGE
            + MODALITY * common_modalities + (CONTINUITY if liked else 0))


def sentence(items: list[str], languages: list[str], place: str | None, remote: bool,
             modalities: list[str], liked: bool) -> list[str]:
    """Plain words, one clause per reason. `items` are only those both sides shared for matching."""
    reasons = []
    if items:
        reasons.append("you both chose to share: " + ", ".join(EXPERIENCE_LABELS.get(i, i) for i in sorted(items)))
    if languages:
        reasons.append("you both speak " + " and ".join(sorted(english_name(code) for code in languages)))
    if place:
        reasons.append(f"both in {place}")
    elif remote:
        reasons.append("they offer support remotely")
    if modalities:
        reasons.append("you can both meet " + ", ".join(MODALITY_WORDS.get(m, m) for m in sorted(modalities)))
    if liked:
        reasons.append("you connected before and said you liked it")
    return reasons


def relaxed_note(relaxed: list[str]) -> str | None:
    if not relaxed:
        return None
    words = {RELAXED_ITEMS: "nobody with a free place shares an experience you chose to share",
             RELAXED_PLACE: "nobody with a free place is in your area, so these peers meet remotely"}
    return "Nothing fits closely: " + "; ".join(words[r] for r in relaxed) + "."


# Why an offer list is empty (a stable code the pages translate), and the same in plain words.
REASON_NOTES = {
    "no_consent": "Matching may use nothing about you: enroll, or grant a consent that lets matching use "
                  "your details.",
    "consent_expired": "Your consent for matching has expired: renew it to be offered peers.",
    "no_open_request": "You have no open request: ask for offers.",
    "choice_pending": "You chose a peer: wait for their answer.",
    "no_fitting_peer": "Nobody with a free place fits what you asked for now. You can wait: you will be "
                       "offered peers when one fits.",
    "all_offered": "You have seen every peer who fits now. You can wait: you will be offered peers when "
                   "one fits.",
    "waiting": "You are waiting: you will be offered peers when one fits.",
}
