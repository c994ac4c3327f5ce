import-title = Henkilöiden tuonti
import-intro = Tuo henkilöitä CSV-tiedostosta. Virheelliset rivit luetellaan rivinumeroineen; ellet valitse niiden ohittamista, mitään ei tuoda, jos jollakin rivillä on virhe.
import-columns = Otsikkorivin sarakkeet (vähintään first_name ja last_name; useampi arvo samassa solussa erotetaan merkillä ;):
import-file = CSV-tiedosto
import-source = Tietojen lähde
import-source-detail = Lähteen tarkenne
import-source-detail-hint = Esimerkiksi kumppani tai tiedosto, josta tiedot tulivat.
import-skip-invalid = Ohita virheelliset rivit ja tuo muut
import-submit = Tuo
import-error-source = Valitse tietojen lähde.
import-error-no-file = Valitse tuotava tiedosto.
import-error-file = Tiedostoa ei voi lukea: { $reason }
import-job-title = Tuonti
import-progress = Edistyminen
import-rows = { $count ->
    [one] { $count } rivi tiedostossa
   *[other] { $count } riviä tiedostossa
}
import-status-running = Tuodaan…
import-status-done = Tuonti valmis.
import-status-failed = Tuonti epäonnistui; mitään ei tuotu.
import-status-refused = Joillakin riveillä on virheitä; mitään ei tuotu. Korjaa ne tai tuo uudelleen ohittaen ne.
import-refresh = Päivitä
import-rejected-title = { $count ->
    [one] { $count } virhe
   *[other] { $count } virhettä
}
import-report-download = Lataa raportti (CSV)
import-line = Rivi
import-field = Kenttä
import-reason = Syy
import-again = Tuo toinen tiedosto
