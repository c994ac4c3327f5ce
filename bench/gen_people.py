#!/usr/bin/env python3
"""Writes N synthetic, valid people as the CSV that `rekisteri import people` takes.

    python3 bench/gen_people.py N OUT.csv [SEED]

Deterministic for a seed. Finnish-looking names, unique email addresses,
Finnish phone numbers (040 123 4567), five-digit postal codes; some people
have a title, a second email, a website, an IP address, a billing address or
an ended relationship, so the import handles every column. No cell contains a
comma or a quote, so no CSV quoting is needed.
"""

import random
import sys

FIRST = [
    "Matti", "Timo", "Juha", "Mikko", "Jari", "Antti", "Jukka", "Mika", "Markku",
    "Pekka", "Ville", "Sami", "Heikki", "Janne", "Anne", "Tuula", "Päivi", "Anna",
    "Ritva", "Leena", "Pirjo", "Sari", "Minna", "Marja", "Tiina", "Laura",
    "Johanna", "Aino", "Eino", "Väinö", "Helmi", "Elina",
]
LAST = [
    "Korhonen", "Virtanen", "Mäkinen", "Nieminen", "Mäkelä", "Hämäläinen", "Laine",
    "Heikkinen", "Koskinen", "Järvinen", "Lehtonen", "Lehtinen", "Saarinen",
    "Salminen", "Heinonen", "Niemi", "Heikkilä", "Kinnunen", "Salonen", "Turunen",
    "Salo", "Laitinen", "Tuominen", "Rantanen", "Karjalainen", "Jokinen",
    "Mattila", "Savolainen", "Lahtinen", "Ahonen",
]
CITIES = [
    ("Helsinki", "00"), ("Espoo", "02"), ("Tampere", "33"), ("Vantaa", "01"),
    ("Oulu", "90"), ("Turku", "20"), ("Jyväskylä", "40"), ("Kuopio", "70"),
    ("Lahti", "15"), ("Pori", "28"), ("Joensuu", "80"), ("Vaasa", "65"),
]
STREETS = [
    "Kauppakatu", "Rantatie", "Koulukatu", "Puistokatu", "Asemakatu", "Mäntytie",
    "Koivukuja", "Satamakatu", "Myllytie", "Kirkkokatu",
]
TITLES = [
    "toimitusjohtaja", "myyntipäällikkö", "talousjohtaja", "hankintapäällikkö",
    "asiantuntija", "projektipäällikkö",
]
DOMAINS = ["esimerkki.fi", "example.com", "posti.example.fi", "yritys.fi"]
PREFIXES = ["040", "041", "044", "045", "046", "050"]

HEADER = (
    "first_name,last_name,title,emails,phones,websites,ip_addresses,street,"
    "postal_code,city,country,billing_street,billing_postal_code,billing_city,"
    "billing_country,relationship_started_on,relationship_ended_on\n"
)


def ascii_lower(s):
    return s.lower().replace("ä", "a").replace("ö", "o").replace("å", "a")


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    n = int(sys.argv[1])
    out = sys.argv[2]
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    r = rng.random
    ri = rng.randrange
    first_ascii = [ascii_lower(f) for f in FIRST]
    last_ascii = [ascii_lower(x) for x in LAST]
    with open(out, "w", encoding="utf-8", newline="") as f:
        f.write(HEADER)
        buf = []
        for i in range(n):
            fi = ri(len(FIRST))
            li = ri(len(LAST))
            local = f"{first_ascii[fi]}.{last_ascii[li]}{i}"
            emails = f"{local}@{DOMAINS[i % len(DOMAINS)]}"
            if r() < 0.1:
                emails += f";{local}.koti@example.net"
            phones = f"{PREFIXES[ri(len(PREFIXES))]} {ri(1000):03d} {ri(10000):04d}"
            title = TITLES[ri(len(TITLES))] if r() < 0.5 else ""
            website = f"https://www.{last_ascii[li]}{i}.fi/" if r() < 0.1 else ""
            ip = f"192.0.2.{ri(1, 255)}" if r() < 0.05 else ""
            city, area = CITIES[ri(len(CITIES))]
            street = f"{STREETS[ri(len(STREETS))]} {1 + ri(120)}"
            postal = f"{area}{ri(1000):03d}"
            if r() < 0.2:
                bcity, barea = CITIES[ri(len(CITIES))]
                billing = f"PL {1 + ri(999)},{barea}{ri(1000):03d},{bcity},FI"
            else:
                billing = ",,,"
            year = 2012 + ri(13)
            started = f"{year}-{1 + ri(12):02d}-{1 + ri(28):02d}"
            ended = f"{year + 1}-{1 + ri(12):02d}-{1 + ri(28):02d}" if r() < 0.1 else ""
            buf.append(
                f"{FIRST[fi]},{LAST[li]},{title},{emails},{phones},{website},{ip},"
                f"{street},{postal},{city},FI,{billing},{started},{ended}\n"
            )
            if len(buf) >= 10000:
                f.write("".join(buf))
                buf.clear()
        f.write("".join(buf))


if __name__ == "__main__":
    main()
