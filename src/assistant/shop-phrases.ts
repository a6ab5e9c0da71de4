/**
 * The phrase tables of the rule-based shop assistant: which words show the language of a
 * message, which phrases signal each intent, and which words bound a budget.
 *
 * Every table holds English and German phrases together: cues are looked for in every
 * language, so a message mixing both ("Wo ist meine order?") is still understood. Phrases
 * are compared word by word, ignoring case, accents and plural endings (see `words.ts`),
 * so "where's" and "Where’s" or "Rücksendung" and "rucksendung" need one entry each at most.
 */

/** The languages the shop assistant answers in. */
export type ShopLanguage = 'en' | 'de'

/**
 * Words that are frequent in one language and rare in the other. Words that exist in both
 * ("die", "was", "will", "in", "hat") are left out on purpose: they would vote wrongly.
 */
export const LANGUAGE_MARKERS: Readonly<Record<ShopLanguage, ReadonlySet<string>>> = {
  en: new Set([
    'i', "i'm", 'me', 'my', 'you', 'your', 'the', 'a', 'and', 'or', 'is', 'are', 'it', "it's",
    'to', 'of', 'for', 'with', 'not', 'no', 'where', "where's", 'how', 'what', 'which', 'can', 'please',
    'hello', 'thanks', 'thank', 'looking', 'under', 'between', 'than', 'less', 'more', 'show', 'need', 'want',
    'help', 'order', 'payment', 'page', 'does', "doesn't", "don't", "didn't", 'cheap', 'good', 'from', 'some',
    'this', 'that', 'these', 'there', 'have', 'get', 'when', 'why', 'today', 'very', 'much', 'just', 'would',
    'could', 'should', 'do', 'did', 'we', 'they', 'new', 'weather', 'like',
  ]),
  de: new Set([
    'ich', 'mich', 'mir', 'mein', 'meine', 'meinen', 'meiner', 'du', 'sie', 'der', 'das', 'ein', 'eine', 'einen',
    'und', 'oder', 'ist', 'sind', 'es', 'zu', 'für', 'mit', 'nicht', 'kein', 'keine', 'wo', 'wie', 'welche',
    'bitte', 'hallo', 'danke', 'suche', 'unter', 'zwischen', 'als', 'weniger', 'mehr', 'zeig', 'brauche',
    'möchte', 'hilfe', 'bestellung', 'zahlung', 'seite', 'funktioniert', 'geht', 'günstig', 'guten', 'bis',
    'von', 'noch', 'auch', 'habe', 'etwas', 'moin', 'servus', 'ab', 'dem', 'den', 'des', 'wird', 'wurde', 'kann',
    'können', 'sehr', 'vielen', 'dank', 'gern', 'gerne', 'wir', 'uns', 'nur', 'schon', 'diese', 'diesen', 'dieser',
    'warum', 'wann', 'heute', 'morgen', 'gut', 'neu', 'neue', 'neuen', 'wetter',
  ]),
}

/** Greetings; like every intent cue below, any one phrase is enough. */
export const GREETINGS: readonly string[] = [
  'hi', 'hello', 'hey', 'howdy', 'good morning', 'good afternoon', 'good evening',
  'hallo', 'guten tag', 'guten morgen', 'guten abend', 'servus', 'moin', 'grüß gott', 'grüezi',
]

/** Thanks. */
export const THANKS: readonly string[] = [
  'thanks', 'thank you', 'thx', 'cheers', 'much appreciated',
  'danke', 'dankeschön', 'vielen dank', 'merci',
]

/** Asking to compare products. */
export const COMPARISON_CUES: readonly string[] = [
  'compare', 'comparing', 'comparison', 'difference between', 'differences between', 'vs', 'versus',
  'which is better', 'which one is better', 'better than',
  'vergleich', 'vergleiche', 'vergleichen', 'unterschied', 'unterschiede', 'was ist besser',
  'welches ist besser', 'welcher ist besser', 'besser als', 'gegenüber',
]

/** Asking to find products; a budget or a category in the message is a search cue too. */
export const SEARCH_CUES: readonly string[] = [
  'looking for', 'search', 'searching', 'find', 'shopping for', 'show me', 'recommend', 'suggest',
  'buy', 'purchase',
  'suche', 'suchen', 'finde', 'finden', 'kaufen', 'zeig mir', 'zeige mir', 'zeigen', 'empfehlen',
  'empfiehl', 'empfehlung', 'vorschlag',
]

/** What an order question is about. `other` is an order question without a clearer topic. */
export type OrderTopic = 'tracking' | 'cancel' | 'refund' | 'return' | 'other'

/** Order cues, checked in this order: cancelling beats refunds beats returns beats tracking. */
export const ORDER_CUES: ReadonlyArray<readonly [OrderTopic, readonly string[]]> = [
  ['cancel', ['cancel', 'cancelled', 'canceled', 'cancellation', 'stornieren', 'storniert', 'stornierung', 'storno', 'abbestellen']],
  ['refund', ['refund', 'refunded', 'money back', 'reimburse', 'erstattung', 'rückerstattung', 'erstatten', 'geld zurück']],
  ['return', ['return', 'returning', 'send back', 'send it back', 'rücksendung', 'zurücksenden', 'zurückschicken', 'zurückgeben', 'retoure', 'umtausch', 'umtauschen', 'widerruf']],
  [
    'tracking',
    [
      'where is my order', "where's my order", 'where is my package', "where's my package", 'where is my parcel',
      'track', 'tracking', 'order status', 'delivery status', 'not arrived', "hasn't arrived", 'has not arrived',
      "hasn't shipped", 'not shipped', 'not delivered', 'when will my order',
      'wo ist meine bestellung', 'wo ist mein paket', 'wo bleibt meine bestellung', 'wo bleibt mein paket',
      'sendungsverfolgung', 'sendungsnummer', 'bestellstatus', 'lieferstatus', 'nicht angekommen',
      'noch nicht da', 'nicht geliefert', 'verfolgen',
    ],
  ],
  ['other', ['my order', 'order number', 'meine bestellung', 'bestellnummer']],
]

/** What a technical problem is about. `other` is an error report without a clearer subject. */
export type TechnicalTopic = 'payment' | 'checkout' | 'page' | 'other'

/** Words that say something does not work; a subject word plus one of these is a technical problem. */
export const PROBLEM_WORDS: readonly string[] = [
  'failed', 'fails', 'failing', 'fail', 'declined', 'rejected', 'error', 'problem', 'issue', 'broken', 'bug',
  'not working', "isn't working", "doesn't work", 'does not work', "didn't work", 'did not work', "won't work",
  'not loading', "doesn't load", 'does not load', "won't load", "didn't go through", 'did not go through',
  'blank', 'crash', 'crashed', 'crashes', 'stuck', 'frozen',
  'stopped working', 'stops working', "won't turn on", 'will not turn on', "doesn't turn on", 'does not turn on',
  'defective', 'faulty', 'damaged', 'dead on arrival',
  'defekt', 'beschädigt', 'geht nicht mehr', 'funktioniert nicht mehr', 'geht nicht an',
  'error message', 'fehlgeschlagen', 'abgelehnt', 'fehler', 'fehlermeldung', 'kaputt', 'funktioniert nicht', 'geht nicht', 'klappt nicht',
  'lädt nicht', 'hängt', 'stürzt ab', 'abgestürzt', 'leer',
]

/**
 * Technical cues, checked in this order. `subjects` need a problem word too ("payment" alone
 * is shopping talk); `alone` phrases are a problem by themselves.
 */
export const TECHNICAL_CUES: ReadonlyArray<
  readonly [TechnicalTopic, { readonly subjects: readonly string[]; readonly alone: readonly string[] }]
> = [
  [
    'payment',
    {
      subjects: ['payment', 'pay', 'paying', 'card', 'credit card', 'paypal', 'transaction', 'zahlung', 'bezahlen', 'bezahlung', 'karte', 'kreditkarte', 'überweisung'],
      alone: [
        'charged twice', 'double charged', 'card declined', "can't pay", 'cannot pay', 'unable to pay',
        'zweimal abgebucht', 'doppelt abgebucht', 'kann nicht bezahlen',
      ],
    },
  ],
  ['checkout', { subjects: ['checkout', 'check out', 'cart', 'basket', 'kasse', 'warenkorb', 'bestellvorgang'], alone: [] }],
  ['page', { subjects: ['page', 'site', 'website', 'app', 'link', 'button', 'seite', 'webseite', 'internetseite', 'knopf'], alone: [] }],
  ['other', { subjects: [], alone: ['error', 'bug', 'crash', 'crashed', 'went wrong', 'fehler', 'fehlermeldung', 'absturz', 'abgestürzt', 'schiefgelaufen'] }],
]

/** Phrases right before an amount that make it the most the user wants to pay. */
export const MAX_CUES: readonly string[] = [
  'under', 'below', 'less than', 'max', 'maximum', 'up to', 'at most', 'no more than', 'not more than',
  'cheaper than', 'budget', 'budget of', 'budget is', 'around',
  'unter', 'unterhalb', 'weniger als', 'bis', 'bis zu', 'maximal', 'höchstens', 'nicht mehr als',
  'günstiger als', 'billiger als', 'budget von', 'budget liegt bei', 'etwa', 'ungefähr', 'rund', 'ca',
]

/** Phrases right before an amount that make it the least the user wants to pay. */
export const MIN_CUES: readonly string[] = [
  'over', 'above', 'more than', 'at least', 'min', 'minimum', 'starting at', 'upwards of',
  'über', 'oberhalb', 'mehr als', 'mindestens', 'ab', 'teurer als',
]

/** Phrases that open a range ("between 800 and 1,200"). Alone, `from`/`von` mean a minimum. */
export const RANGE_OPENERS: readonly string[] = ['between', 'from', 'zwischen', 'von']

/** Tokens joining the two ends of a range. `and`/`und` only count after an opener. */
export const RANGE_JOINERS: ReadonlySet<string> = new Set(['to', 'bis', '-', '–', '—', 'and', 'und'])

/** Currency symbols and words, to the ISO 4217 code they stand for. */
export const CURRENCIES: ReadonlyMap<string, string> = new Map([
  ['$', 'USD'], ['usd', 'USD'], ['dollar', 'USD'], ['dollars', 'USD'],
  ['€', 'EUR'], ['eur', 'EUR'], ['euro', 'EUR'], ['euros', 'EUR'],
  ['£', 'GBP'], ['gbp', 'GBP'], ['pound', 'GBP'], ['pounds', 'GBP'],
  ['chf', 'CHF'], ['franken', 'CHF'],
])
