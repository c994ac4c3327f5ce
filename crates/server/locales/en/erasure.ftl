# Erasure with holds (R8, R19, R21).
erasure-title = Erasure
erasure-no-holds = Nothing holds the erasure: the person can be erased now.
erasure-held = The erasure is held until these end; asked now, it is scheduled and runs by itself:
erasure-hold-open-invoice = Open invoice { $number }
erasure-hold-debt-collection = Invoice { $number } in debt collection
erasure-hold-contact = Contact person of { $organisation }
erasure-hold-legal = Legal hold
erasure-due = due { $date }
erasure-until = until { $date }
erasure-scheduled = Erasure requested { $time }: it runs when every hold has ended.
erasure-copies = The person's data was written to these files: destroy each of them with the erasure (the register cannot reach them).
erasure-copy-people = { $count ->
    [one] { $count } person
   *[other] { $count } people
}
erasure-explain = Erasure removes the person's data from every table, the search and the outbox. Invoices keep their amounts and dates without the person. Recipients of disclosures are notified.
erasure-confirm = I confirm that this person is to be erased.
erasure-confirm-missing = Tick the confirmation box to erase the person.
erasure-submit = Erase the person
