# Säilytys (R9), oikeudellinen säilytysvelvoite (R8), paperiasiakirjat (R10).
retention-category-customer-data = Asiakastiedot
retention-category-accounting-books = Kirjanpito (tilaukset ja laskut)
retention-category-accounting-vouchers = Tositteet (laskujen ja tilausten rivit)
retention-category-request-cases = Tietosuojapyyntöjen käsittely
retention-category-audit-log = Lokitiedot (kuka luki tai muutti mitä)
retention-category-tombstones = Poistettujen henkilöiden tunnisteet
retention-category-website-visits = Verkkosivuston käynnit
retention-anchor-relationship-end = asiakassuhteen päättymisestä
retention-anchor-record-date = tiedon omasta päivästä
retention-anchor-financial-year-end = tilikauden päättymisestä
retention-action-erase-person = henkilön tiedot poistetaan
retention-action-anonymise = henkilön tiedot anonymisoidaan
retention-action-delete-record = tieto poistetaan
retention-action-minimise-accounting-record = kirjanpitoon jää vain kirjattu summa
retention-period = { $months ->
    [12] 1 vuosi
   *[other] { $months } kuukautta
}
retention-period-years = { $years } vuotta
retention-rule = { $category }: { $period } { $anchor }, sitten { $action }.
