# Marketing permissions (R15, R21), restriction of processing (R18), marketing lists and permission wordings.

nav-marketing = Marketing

channel-email = Email
channel-sms = Text message
channel-phone = Phone
channel-letter = Letter

mpurpose-direct-marketing = Direct marketing
mpurpose-distance-selling = Distance selling
mpurpose-market-research = Market and opinion research
mpurpose-targeted-content = Targeted content

pstate-granted = Granted
pstate-withdrawn = Withdrawn
pstate-prohibited = Prohibited

decision-granted = Granted
decision-not-objected = Not objected (opt-out)
decision-no-consent = No consent (opt-in)
decision-withdrawn = Withdrawn
decision-prohibited = Prohibited
decision-restricted = Restricted
decision-erased = Erased

basis-consent = consent
basis-contract = contract
basis-legal-obligation = legal obligation
basis-vital-interests = vital interests
basis-public-task = public task
basis-legitimate-interests = legitimate interests

ckind-email = Email
ckind-phone = Phone
ckind-website = Website
ckind-ip-address = IP address
ckind-postal-address = Postal address
ckind-billing-address = Billing address

mk-section = Marketing permissions
mk-now = Now
mk-channel = Channel
mk-purpose = Marketing purpose
mk-standing-organisation = The person acts in a role at an organisation: electronic marketing about their work is opt-out.
mk-standing-customer = The person is a customer: electronic marketing of the company's own similar products is opt-out.
mk-history = History
mk-no-history = No changes recorded: the law's defaults decide.
mk-state = State
mk-given-at = When
mk-wording = Wording
mk-legal-basis = Legal basis
mk-recorded-by = Recorded by
mk-nobody = the system
mk-record-title = Record a change
mk-record = Record
mk-no-wording = – no wording –
mk-wording-hint = Required when granted: consent is given to the text shown.
mk-given-at-hint = When the person said so; empty means now.
mk-form-errors = The form has errors. Correct the marked fields.

mk-restriction = Restriction of processing
mk-restricted-banner = Processing restricted
mk-restricted-banner-text = The data is only stored: the person is left out of marketing lists, exports and disclosures.
mk-restricted-since = since { $time }
mk-restricted-starts = starts { $time }
mk-restricted-value = restricted
mk-no-restrictions = No restrictions.
mk-scope = Scope
mk-scope-person = The whole person
mk-reason = Reason
mk-in-force = In force
mk-upcoming = Upcoming
mk-lifted = Lifted { $time }
mk-lift-reason = Reason for lifting
mk-restrict-title = Restrict processing
mk-restrict-value = What is restricted
mk-restrict = Restrict
mk-lift-title = Lift the restriction
mk-lift-hint = Tell the person before the restriction is lifted (GDPR Article 18(3)).
mk-lift = Lift the restriction

mk-list-title = Marketing list
mk-list-help = The list holds only the people who may be contacted by the chosen channel for the chosen purpose: permissions, prohibitions, the law's defaults, restrictions and erasures are honoured. Every download is written to the audit log with the chosen purpose of processing.
mk-processing = Purpose of processing
mk-processing-hint = The download is logged with this purpose.
mk-choose = – choose –
mk-download = Download CSV
mk-wordings-link = Permission wordings

mk-wordings-title = Permission wordings
mk-wordings-help = The text a permission is asked with. A new text under the same key is its next version; the same text again is the version already stored.
mk-key = Key
mk-version = Version
mk-language = Language
mk-language-hint = A two-letter language code, such as fi or en.
mk-text = Text
mk-created-at = Stored
mk-no-wordings = No wordings yet.
mk-add-wording = Add a wording
mk-saved-new = Stored: { $wording }.
mk-saved-same = The same text was already stored: { $wording }.

v-must-be-a-two-letter-language-code-such-as-fi = must be a two-letter language code such as fi
v-must-not-be-in-the-future = must not be in the future
v-must-not-be-in-the-past = must not be in the past
v-is-required-for-granted-consent-is-given-to-the-text-shown = is required for granted: consent is given to the text shown
v-is-required-with-value-kind = is required with the kind of value
v-is-required-with-value = is required with a value
v-is-not-one-of-the-person-s-values-of-that-kind = is not one of the person's values of that kind
v-is-not-in-use = is not in use
