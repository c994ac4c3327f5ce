# Retention (R9), legal holds (R8), paper documents (R10).
retention-category-customer-data = Customer data
retention-category-accounting-books = Accounting books (orders and invoices)
retention-category-accounting-vouchers = Accounting vouchers (the lines of orders and invoices)
retention-category-request-cases = Data-subject request cases
retention-category-audit-log = The audit log (who read or changed what)
retention-category-tombstones = Markers of erased people
retention-category-website-visits = Visits to the website
retention-anchor-relationship-end = from the end of the customer relationship
retention-anchor-record-date = from the record's own date
retention-anchor-financial-year-end = from the end of the financial year
retention-action-erase-person = then the person's data is erased
retention-action-anonymise = then the person's data is anonymised
retention-action-delete-record = then the record is deleted
retention-action-minimise-accounting-record = then only the booked amount stays in the books
retention-period = { $months ->
    [12] 1 year
   *[other] { $months } months
}
retention-period-years = { $years } years
retention-rule = { $category }: { $period } { $anchor }, { $action }.
