"""The members of the fictional community: who they are, when they join, how active."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from commbook.samples.calendar import DAY, HOUR, NONE, Period, iso

# country, region, main language, UTC offset (hours), weight
COUNTRIES = [
    ("US", "NA", "en", -6, 20), ("CA", "NA", "en", -5, 4), ("MX", "LATAM", "es", -6, 3),
    ("BR", "LATAM", "pt-BR", -3, 5), ("AR", "LATAM", "es", -3, 2), ("CO", "LATAM", "es", -5, 1.5),
    ("GB", "EU", "en", 0, 7), ("DE", "EU", "de", 1, 7), ("FR", "EU", "fr", 1, 5),
    ("ES", "EU", "es", 1, 3), ("IT", "EU", "it", 1, 2.5), ("NL", "EU", "nl", 1, 2),
    ("PL", "EU", "pl", 1, 2), ("SE", "EU", "sv", 1, 1.5), ("IN", "APAC", "en", 5.5, 7),
    ("JP", "APAC", "ja", 9, 3), ("AU", "APAC", "en", 10, 2.5), ("SG", "APAC", "en", 8, 1),
    ("KR", "APAC", "ko", 9, 1.5), ("ID", "APAC", "id", 7, 1.5), ("NG", "MEA", "en", 1, 2),
    ("ZA", "MEA", "en", 2, 1.5), ("KE", "MEA", "en", 3, 1), ("EG", "MEA", "ar", 2, 1),
    ("AE", "MEA", "en", 4, 1),
]  # fmt: skip
AGE_BANDS = (["18-24", "25-34", "35-44", "45-54", "55+"], [0.2, 0.35, 0.24, 0.13, 0.08])
FIRST_NAMES = [
    "Ada",
    "Alan",
    "Amara",
    "Ana",
    "Arjun",
    "Ayesha",
    "Bea",
    "Bruno",
    "Chen",
    "Chiara",
    "Dara",
    "Diego",
    "Elif",
    "Emeka",
    "Emma",
    "Farah",
    "Felix",
    "Grace",
    "Hana",
    "Hugo",
    "Ines",
    "Ivan",
    "Jae",
    "Jamal",
    "Jana",
    "Joao",
    "Julia",
    "Kai",
    "Kofi",
    "Lars",
    "Leila",
    "Lena",
    "Luca",
    "Lucia",
    "Malik",
    "Marta",
    "Mateo",
    "Mei",
    "Mila",
    "Nadia",
    "Nia",
    "Noah",
    "Omar",
    "Oskar",
    "Paula",
    "Pedro",
    "Quinn",
    "Rafael",
    "Ravi",
    "Rin",
    "Rosa",
    "Sami",
    "Sara",
    "Sofia",
    "Tariq",
    "Teo",
    "Una",
    "Vera",
    "Wen",
    "Yara",
    "Yusuf",
    "Zoe",
    "Zainab",
    "Akira",
    "Bianca",
    "Caio",
]
LAST_INITIALS = list("ABCDEFGHIJKLMNOPRSTVWYZ")
STAFF_NAMES = ["Rosa Lindqvist", "Tomás Okafor", "Priya Natarajan", "Jonas Weber", "Aiko Tanaka"]

PRE_EXISTING = 0.45  # share of members who joined before the period
SIGMA = 1.9  # lognormal spread of activity propensity: a heavy tail
NEWCOMER_DAYS = 21  # newcomers are twice as active in their first three weeks


@dataclass
class Members:
    """Column arrays, one entry per member, sorted by ``joined``."""

    ids: np.ndarray
    names: np.ndarray
    joined: np.ndarray
    left: np.ndarray
    active_from: np.ndarray  # activity window [active_from, active_to)
    active_to: np.ndarray
    tz: np.ndarray  # UTC offset, seconds
    propensity: np.ndarray  # mean 1, lognormal
    role: np.ndarray
    region: np.ndarray
    country: np.ndarray
    language: np.ndarray
    age_band: np.ndarray
    helpers: np.ndarray  # indexes of staff and moderators (always active)
    staff: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)

    def active_at(self, who: np.ndarray, t: np.ndarray) -> np.ndarray:
        return (who >= 0) & (self.active_from[who] <= t) & (t < self.active_to[who])

    def active_count(self, t: np.ndarray) -> np.ndarray:
        """How many members are in their activity window at each ``t``."""
        starts = np.sort(self.active_from[self.active_to > self.active_from])
        ends = np.sort(self.active_to[self.active_to > self.active_from])
        return np.searchsorted(starts, t, side="right") - np.searchsorted(ends, t, side="right")

    def sampler(self, power: float) -> np.ndarray:
        """Cumulative weights ``propensity ** power`` for ``pick``."""
        return np.cumsum(self.propensity**power)

    def pick(self, rng: np.random.Generator, cdf: np.ndarray, size: int) -> np.ndarray:
        return np.searchsorted(cdf, rng.random(size) * cdf[-1], side="right").clip(0, len(cdf) - 1)


def make_members(rng: np.random.Generator, n: int, period: Period) -> Members:
    """``n`` members: 45 % joined before the period, the rest join at a growing rate."""
    n_pre = round(n * PRE_EXISTING)
    span = period.end - period.start
    pre = period.start - (DAY + 3 * 365 * DAY * rng.random(n_pre) ** 1.4).astype(np.int64)
    g = np.log(2.2)  # the join rate more than doubles over the period
    x = np.log1p(rng.random(n - n_pre) * (np.exp(g) - 1)) / g
    new = period.start + (x * span).astype(np.int64)
    joined = np.sort(np.concatenate([pre, new]))
    width = max(5, len(str(n)))
    ids = np.strings.add("m", np.strings.zfill(np.arange(1, n + 1).astype("U"), width))

    weights = np.array([c[4] for c in COUNTRIES], dtype=float)
    c = rng.choice(len(COUNTRIES), size=n, p=weights / weights.sum())
    country = np.array([x[0] for x in COUNTRIES])[c]
    region = np.array([x[1] for x in COUNTRIES])[c]
    lang = np.array([x[2] for x in COUNTRIES])[c]
    language = np.where(rng.random(n) < 0.75, lang, "en")
    tz = (np.array([x[3] for x in COUNTRIES])[c] * HOUR).astype(np.int64)
    age_band = np.array(AGE_BANDS[0])[rng.choice(5, size=n, p=AGE_BANDS[1])]
    names = np.strings.add(
        np.strings.add(np.array(FIRST_NAMES)[rng.integers(0, len(FIRST_NAMES), n)], " "),
        np.strings.add(np.array(LAST_INITIALS)[rng.integers(0, len(LAST_INITIALS), n)], "."),
    ).astype(object)

    propensity = rng.lognormal(0.0, SIGMA, n)
    propensity /= propensity.mean()
    rank = np.argsort(np.argsort(propensity)) / max(n - 1, 1)  # 0 = least active

    # Staff and moderators: long-standing members who never leave or lapse.
    role = np.full(n, "member", dtype=object)
    veterans = np.flatnonzero(joined < period.start)
    n_staff = int(np.clip(round(n / 120), 2, 40))
    n_mods = max(3, round(n / 60))  # proportional: keeps event counts linear in n
    staff = np.sort(rng.choice(veterans, size=min(n_staff, len(veterans)), replace=False))
    rest = np.setdiff1d(veterans, staff)
    by_activity = rest[np.argsort(-propensity[rest], kind="stable")]
    mods = np.sort(by_activity[: min(n_mods, len(by_activity))])
    role[staff] = "staff"
    role[mods] = "moderator"
    propensity[staff] = np.maximum(propensity[staff], 2.0)
    for i, name in zip(staff, STAFF_NAMES, strict=False):
        names[i] = name

    # Churn: some leave (account deleted); most simply go quiet at some point.
    active_from = np.maximum(joined, period.start)
    leaves = rng.random(n) < 0.16 - 0.08 * rank
    left_at = active_from + (rng.exponential(150, n) * DAY).astype(np.int64)
    left = np.where(leaves & (left_at < period.end), left_at, NONE)
    lapse = joined + (rng.exponential(30 + 500 * rank**2, n) * DAY).astype(np.int64)
    active_to = np.minimum(np.where(left == NONE, period.end, left), lapse)
    active_to = np.minimum(active_to, period.end)
    keep = np.concatenate([staff, mods])
    left[keep] = NONE
    active_from[keep], active_to[keep] = period.start, period.end
    active_to = np.maximum(active_to, active_from)
    return Members(
        ids=ids,
        names=names,
        joined=joined,
        left=left,
        active_from=active_from,
        active_to=active_to,
        tz=tz,
        propensity=propensity,
        role=role,
        region=region,
        country=country,
        language=language,
        age_band=age_band,
        helpers=np.sort(keep),
        staff=staff,
    )


def member_rows(m: Members) -> dict[str, np.ndarray]:
    return {
        "member_id": m.ids,
        "display_name": m.names,
        "joined_at": iso(m.joined),
        "left_at": iso(m.left),
        "region": m.region,
        "country": m.country,
        "language": m.language,
        "age_band": m.age_band,
        "role": m.role,
    }
