# Tietojen poistaminen ja sitä estävät seikat (R8, R19, R21).
erasure-title = Tietojen poistaminen
erasure-no-holds = Mikään ei estä poistamista: henkilön tiedot voi poistaa nyt.
erasure-held = Poistaminen odottaa, kunnes nämä päättyvät; nyt pyydetty poisto ajastetaan ja tehdään itsestään:
erasure-hold-open-invoice = Avoin lasku { $number }
erasure-hold-debt-collection = Lasku { $number } perinnässä
erasure-hold-contact = Yhteyshenkilö: { $organisation }
erasure-hold-legal = Oikeudellinen säilytysvelvoite
erasure-due = eräpäivä { $date }
erasure-until = { $date } asti
erasure-scheduled = Poistoa pyydetty { $time }: se tehdään, kun kaikki esteet ovat päättyneet.
erasure-copies = Henkilön tietoja on kirjoitettu näihin tiedostoihin: hävitä jokainen niistä poiston yhteydessä (rekisteri ei ulotu niihin).
erasure-copy-people = { $count ->
    [one] { $count } henkilö
   *[other] { $count } henkilöä
}
erasure-explain = Poisto hävittää henkilön tiedot kaikista tauluista, hausta ja lähtevien viestien kansiosta. Laskut säilyttävät summansa ja päivämääränsä ilman henkilöä. Luovutusten vastaanottajille ilmoitetaan.
erasure-confirm = Vahvistan, että henkilön tiedot poistetaan.
erasure-confirm-missing = Poista henkilön tiedot rastittamalla vahvistus.
erasure-submit = Poista henkilön tiedot
