# Markkinointiluvat (R15, R21), käsittelyn rajoitus (R18), markkinointilistat ja lupien sanamuodot.

nav-marketing = Markkinointi

channel-email = Sähköposti
channel-sms = Tekstiviesti
channel-phone = Puhelin
channel-letter = Kirje

mpurpose-direct-marketing = Suoramarkkinointi
mpurpose-distance-selling = Etämyynti
mpurpose-market-research = Markkina- ja mielipidetutkimus
mpurpose-targeted-content = Kohdennettu sisältö

pstate-granted = Annettu
pstate-withdrawn = Peruttu
pstate-prohibited = Kielletty

decision-granted = Annettu
decision-not-objected = Ei vastustettu (opt-out)
decision-no-consent = Ei suostumusta (opt-in)
decision-withdrawn = Peruttu
decision-prohibited = Kielletty
decision-restricted = Rajoitettu
decision-erased = Poistettu

basis-consent = suostumus
basis-contract = sopimus
basis-legal-obligation = lakisääteinen velvoite
basis-vital-interests = elintärkeä etu
basis-public-task = yleisen edun mukainen tehtävä
basis-legitimate-interests = oikeutettu etu

ckind-email = Sähköposti
ckind-phone = Puhelin
ckind-website = Verkkosivu
ckind-ip-address = IP-osoite
ckind-postal-address = Postiosoite
ckind-billing-address = Laskutusosoite

mk-section = Markkinointiluvat
mk-now = Tilanne nyt
mk-channel = Kanava
mk-purpose = Markkinoinnin tarkoitus
mk-standing-organisation = Henkilö toimii organisaation roolissa: sähköinen markkinointi työasioissa on opt-out.
mk-standing-customer = Henkilö on asiakas: omien vastaavien tuotteiden sähköinen markkinointi on opt-out.
mk-history = Historia
mk-no-history = Ei kirjattuja muutoksia: lain oletukset ratkaisevat.
mk-state = Tila
mk-given-at = Ajankohta
mk-wording = Sanamuoto
mk-legal-basis = Oikeusperuste
mk-recorded-by = Kirjannut
mk-nobody = järjestelmä
mk-record-title = Kirjaa muutos
mk-record = Kirjaa
mk-no-wording = – ei sanamuotoa –
mk-wording-hint = Pakollinen, kun lupa annetaan: suostumus annetaan näytetylle tekstille.
mk-given-at-hint = Milloin henkilö ilmoitti; tyhjä tarkoittaa nyt.
mk-form-errors = Lomakkeessa on virheitä. Korjaa merkityt kentät.

mk-restriction = Käsittelyn rajoitus
mk-restricted-banner = Käsittelyä rajoitettu
mk-restricted-banner-text = Tietoja vain säilytetään: henkilö jätetään pois markkinointilistoilta, vienneistä ja luovutuksista.
mk-restricted-since = { $time } alkaen
mk-restricted-starts = alkaa { $time }
mk-restricted-value = rajoitettu
mk-no-restrictions = Ei rajoituksia.
mk-scope = Kohde
mk-scope-person = Koko henkilö
mk-reason = Syy
mk-in-force = Voimassa
mk-upcoming = Tulossa
mk-lifted = Poistettu { $time }
mk-lift-reason = Poistamisen syy
mk-restrict-title = Rajoita käsittelyä
mk-restrict-value = Mitä rajoitetaan
mk-restrict = Rajoita
mk-lift-title = Poista rajoitus
mk-lift-hint = Kerro henkilölle ennen rajoituksen poistamista (tietosuoja-asetus 18 artikla 3 kohta).
mk-lift = Poista rajoitus

mk-list-title = Markkinointilista
mk-list-help = Lista sisältää vain henkilöt, joihin saa ottaa yhteyttä valitulla kanavalla ja tarkoituksella: luvat, kiellot, lain oletukset, käsittelyn rajoitukset ja poistot otetaan huomioon. Jokainen lataus kirjataan lokiin valitulla käsittelyn tarkoituksella.
mk-processing = Käsittelyn tarkoitus
mk-processing-hint = Lataus kirjataan lokiin tällä tarkoituksella.
mk-choose = – valitse –
mk-download = Lataa CSV
mk-wordings-link = Lupien sanamuodot

mk-wordings-title = Lupien sanamuodot
mk-wordings-help = Teksti, jolla lupaa kysytään. Uusi teksti samalla tunnisteella on sen seuraava versio; sama teksti uudelleen on jo tallennettu versio.
mk-key = Tunniste
mk-version = Versio
mk-language = Kieli
mk-language-hint = Kaksikirjaiminen kielikoodi, esimerkiksi fi tai en.
mk-text = Teksti
mk-created-at = Tallennettu
mk-no-wordings = Ei sanamuotoja vielä.
mk-add-wording = Lisää sanamuoto
mk-saved-new = Tallennettu: { $wording }.
mk-saved-same = Sama teksti oli jo tallennettu: { $wording }.

v-must-be-a-two-letter-language-code-such-as-fi = on oltava kaksikirjaiminen kielikoodi, esimerkiksi fi
v-must-not-be-in-the-future = ei saa olla tulevaisuudessa
v-must-not-be-in-the-past = ei saa olla menneisyydessä
v-is-required-for-granted-consent-is-given-to-the-text-shown = on pakollinen, kun lupa annetaan: suostumus annetaan näytetylle tekstille
v-is-required-with-value-kind = on pakollinen, kun tiedon laji annetaan
v-is-required-with-value = on pakollinen, kun tieto annetaan
v-is-not-one-of-the-person-s-values-of-that-kind = ei kuulu henkilön tämänlajisiin tietoihin
v-is-not-in-use = ei ole käytössä
