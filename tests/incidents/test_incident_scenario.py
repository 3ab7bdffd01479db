"""Real attacks replayed: the site catalogue against the published runway data, and every incident at
a catalogued site turned into a scenario that validates and runs."""

import csv
import math

import numpy as np
import pytest

from bastion.engine.simulation import run
from bastion.incidents.importer import import_csv
from bastion.incidents.register import Incident, Register
from bastion.incidents.scenario_builder import ScenarioBuildError, build_scenario
from bastion.incidents.sites import FT, SITES, match_site, place_of
from bastion.scenario import load, parse
from bastion.scenario.catalogue import CATALOGUE
from bastion.scenario.compiled import compile_scenario


@pytest.fixture(scope="module")
def register(tmp_path_factory, shared):
    db = tmp_path_factory.mktemp("reg") / "r.sqlite"
    reg = Register(db)
    import_csv(reg, shared / "data" / "incidents" / "iraq_attacks_2019_2022.csv")
    yield reg
    reg.close()


def test_runways_are_the_published_ones(shared):
    """Every catalogued runway end equals the OurAirports row (to the file's precision) and its
    threshold-to-threshold length matches the published length within 1.5 % (displaced thresholds
    and rounding)."""
    rows = list(csv.DictReader((shared / "data" / "sites" / "iraq_runways.csv").open(newline="")))
    for site in SITES.values():
        for rw in site.runways:
            (i1, la1, lo1), (i2, la2, lo2) = rw.ends
            r = next(x for x in rows if x["airport_ident"] == site.icao and x["le_ident"] == i1 and x["he_ident"] == i2)
            assert (la1, lo1, la2, lo2) == pytest.approx(
                tuple(
                    float(r[k]) for k in ("le_latitude_deg", "le_longitude_deg", "he_latitude_deg", "he_longitude_deg")
                ),
                abs=1e-9,
            )
            assert r["closed"] == "0"
            assert rw.width_m == pytest.approx(float(r["width_ft"]) * FT)
            # length from the ends on a sphere of 6,371 km against the published length
            p1, p2 = math.radians(la1), math.radians(la2)
            a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lo2 - lo1) / 2) ** 2
            length = 2 * 6_371_000 * math.asin(math.sqrt(a))
            assert length == pytest.approx(float(r["length_ft"]) * FT, rel=0.015), (site.id, rw.name)


def test_site_matching():
    assert match_site("anything", 33.263, 44.234) == "biap"
    assert match_site("x", 33.786, 42.441) == "al-asad"
    assert match_site("x", 36.238, 43.963) == "erbil"
    assert match_site("x", 33.940, 44.361) is None  # Balad is not catalogued
    assert match_site("Radwaniyah, near Baghdad airport") == "biap"
    assert match_site("Bragh village near new US consulate site, Erbil") is None
    assert match_site("Baghdad airport and Ain al-Asad") is None  # two sites named: not guessed
    assert place_of("US embassy, Baghdad Green Zone", None) == "Baghdad Green Zone / US embassy"


def _catalogued(register):
    return [i for i in register.query() if i.site in SITES]


def test_every_catalogued_incident_builds_a_valid_scenario(register):
    incs = _catalogued(register)
    assert len(incs) >= 25
    for inc in incs:
        full = register.get(inc.incident_id)
        text, _ = build_scenario(full)
        loaded = parse(text, f"incident-{inc.incident_id}.toml")
        m = loaded.model
        n_threats = len(m.threats)
        assert n_threats == (full.count or (2 if full.weapon == "mixed" else 1)), inc.incident_id
        for t in m.threats:  # validated against the catalogue at test time
            assert t.type in CATALOGUE.threats
            assert t.target_zone == SITES[inc.site].facility
        assert m.site.origin.lat_deg == SITES[inc.site].lat
        # the scenario's time of day is the reported one (arrival), or 22:00 if not reported
        hhmm = full.time_local or "22:00"
        arrival = m.scenario.start.timestamp() + (270 if any(t.type == "owa-fixed-wing" for t in m.threats) else 20)
        from datetime import datetime

        assert datetime.fromtimestamp(arrival, m.scenario.start.tzinfo).strftime("%H:%M") == hhmm
        assert str(m.scenario.start.date()) <= full.date_local
        # reproducible
        assert build_scenario(full)[0] == text


@pytest.mark.parametrize("weapon", ["rocket", "mortar"])
def test_ballistic_incidents_use_the_ballistic_types(register, weapon):
    inc = register.get(next(i.incident_id for i in _catalogued(register) if i.weapon == "rocket"))
    inc.weapon = weapon
    text, _ = build_scenario(inc)
    types = {t.type for t in parse(text).model.threats}
    assert types == {"rocket-107" if weapon == "rocket" else "mortar-81"}
    for alt in ("rocket-122", "mortar-60", "mortar-120"):
        text, _ = build_scenario(inc, threat_type=alt)
        (t,) = {t.type for t in parse(text).model.threats}
        assert t == alt and CATALOGUE.threats[t].kind == alt.split("-")[0]
        # the firing point is within the type's reach of the facility
        c = compile_scenario(parse(text))
        for plan in c.raid.threats:
            assert math.dist(plan.launch[:2], plan.aim[:2]) < CATALOGUE.threats[t].max_range_m


def test_incidents_that_cannot_be_replayed_say_why(register):
    green = next(i for i in register.query() if i.site is None)
    with pytest.raises(ScenarioBuildError, match="not at a catalogued site"):
        build_scenario(register.get(green.incident_id))
    inc = Incident("k", "manual", "BIAP", "2021-01-01", "ied", site="biap", incident_id=99)
    with pytest.raises(ScenarioBuildError, match="no airborne threat"):
        build_scenario(inc)
    inc.weapon = "drone"
    with pytest.raises(ScenarioBuildError, match="unknown threat type"):
        build_scenario(inc, threat_type="cruise-missile")


def test_layout_from_another_scenario_file(register, tmp_path):
    from bastion.scenario.loader import builtin_text

    layout = tmp_path / "layout.toml"
    layout.write_text(builtin_text("baghdad"))
    seed = next(i for i in _catalogued(register) if i.date_local == "2022-01-03")
    text, _ = build_scenario(register.get(seed.incident_id), layout=layout)
    m = parse(text).model
    assert [w.name for w in m.weapons] == ["LPWS-1", "LPWS-2"] and len(m.civil) == 0 and len(m.threats) == 2
    assert {z.name for z in m.zones} == {"Terminal", "BDSC", "Cargo and fuel farm"}
    al_asad = next(i for i in _catalogued(register) if i.site == "al-asad")
    with pytest.raises(ScenarioBuildError, match="km from"):
        build_scenario(register.get(al_asad.incident_id), layout=layout)


def test_a_few_replays_run(register):
    """The seed night's incident and the smallest rocket attack at Al Asad run end to end (all of
    them: the slow test below)."""
    cat = _catalogued(register)
    seed = next(i for i in cat if i.date_local == "2022-01-03")
    rocket = min((i for i in cat if i.site == "al-asad" and i.weapon == "rocket"), key=lambda i: i.count or 1)
    for inc in (seed, rocket):
        text, _ = build_scenario(register.get(inc.incident_id))
        r = run(compile_scenario(parse(text)), 1, record_plots=False)
        assert len(r.scenario.raid.threats) >= 1
        assert r.log.of_kind("run_end")


@pytest.mark.slow
def test_every_catalogued_incident_runs(register):
    for inc in _catalogued(register):
        text, _ = build_scenario(register.get(inc.incident_id))
        r = run(compile_scenario(parse(text)), 1, record_plots=False)
        launched = {e.payload.threat for e in r.log.of_kind("launch")}
        assert launched == set(range(len(r.scenario.raid.threats))), inc.incident_id


def test_biap_site_is_the_builtin_layout(register):
    """sites.py says BIAP has the built-in 'rocket-salvo' scenario's layout (both read it from the
    built-in sites/biap-lcmr.toml): same zones (outlines within 1 m, Hausdorff), radars and guns
    (positions within 1 m) and the same origin (within 1e-6 deg)."""
    seed = next(i for i in _catalogued(register) if i.date_local == "2022-01-03")
    text, _ = build_scenario(register.get(seed.incident_id))
    site = compile_scenario(parse(text)).defence
    ref = compile_scenario(load("rocket-salvo")).defence
    assert site.origin.lat_deg == pytest.approx(ref.origin.lat_deg, abs=1e-6)
    assert site.origin.lon_deg == pytest.approx(ref.origin.lon_deg, abs=1e-6)
    zones = {z.name: z for z in site.zones}
    assert set(zones) == {z.name for z in ref.zones}
    for z in ref.zones:
        assert (zones[z.name].kind, zones[z.name].value) == (z.kind, z.value)
        assert zones[z.name].geometry.hausdorff_distance(z.geometry) < 1.0, z.name
    for ours, theirs in ((site.radars, ref.radars), (site.guns, ref.guns)):
        assert [(s.name, s.type.name) for s in ours] == [(s.name, s.type.name) for s in theirs]
        for a, b in zip(ours, theirs, strict=True):
            assert np.linalg.norm(a.position - b.position) < 1.0, a.name
