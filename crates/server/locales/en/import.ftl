import-title = Import people
import-intro = Import people from a CSV file. Rows with errors are listed with their line numbers; unless you choose to skip them, nothing is imported while any row has an error.
import-columns = Columns of the header row (at least first_name and last_name; several values in one cell separated by ;):
import-file = CSV file
import-source = Source of the data
import-source-detail = Source details
import-source-detail-hint = For example the partner or the file the data came from.
import-skip-invalid = Skip rows with errors and import the rest
import-submit = Import
import-error-source = Choose the source of the data.
import-error-no-file = Choose a file to import.
import-error-file = The file cannot be read: { $reason }
import-job-title = Import
import-progress = Progress
import-rows = { $count ->
    [one] { $count } row in the file
   *[other] { $count } rows in the file
}
import-status-running = Importing…
import-status-done = Import done.
import-status-failed = The import failed; nothing was imported.
import-status-refused = Some rows have errors; nothing was imported. Fix them, or import again skipping them.
import-refresh = Refresh
import-rejected-title = { $count ->
    [one] { $count } error
   *[other] { $count } errors
}
import-report-download = Download the report (CSV)
import-line = Line
import-field = Field
import-reason = Reason
import-again = Import another file
