/**
 * What the shop assistant says, in each language it answers in. Kept apart from the
 * logic so that a translation is one table, and the planner never holds a sentence.
 */
import type { OrderTopic, ShopLanguage, TechnicalTopic } from './shop-phrases.js'

/** A reply and the title of the ticket it offers. */
interface TicketReply {
  readonly reply: string
  readonly title: string
}

/** Every sentence and label of one language. `what` is e.g. "gaming laptops up to $1,500". */
export interface ShopReplies {
  readonly greeting: string
  readonly thanks: string
  readonly fallback: string
  readonly fallbackSuggestion: string
  readonly findProductLabel: string
  readonly findProductMessage: string
  readonly trackOrderLabel: string
  readonly trackOrderMessage: string
  readonly talkToSupportLabel: string
  readonly supportTitle: string
  readonly found: (what: string) => string
  readonly fromPreferences: string
  readonly noneFound: (what: string) => string
  readonly noted: (what: string) => string
  readonly askWhat: string
  readonly products: string
  readonly recommended: string
  readonly budgetPrompt: string
  readonly budgetLabel: (price: string) => string
  readonly upTo: (price: string) => string
  readonly from: (price: string) => string
  readonly between: (min: string, max: string) => string
  readonly raiseBudget: string
  readonly askTeamLabel: string
  readonly askTeamSuggestion: string
  readonly searchTitle: (what: string) => string
  readonly compare: string
  readonly compareCurrent: string
  readonly compareCandidates: (what: string) => string
  readonly compareLabel: string
  readonly compareSuggestion: string
  readonly askExpertLabel: string
  readonly comparisonTitle: (what: string) => string
  readonly orderSuggestion: string
  readonly technicalSuggestion: string
  readonly openTicketLabel: string
  /** A photo (or `count` of them) without a request the assistant understands. */
  readonly photo: (count: number) => string
  /** A file (or several: `names`) without a request the assistant understands. */
  readonly file: (names: readonly string[]) => string
  /** A voice message without a transcript. */
  readonly voice: string
  readonly attachmentSuggestion: string
  readonly reportDamageLabel: string
  readonly damagedTitle: string
  readonly fileTitle: string
  readonly voiceTitle: string
  readonly order: Readonly<Record<OrderTopic, TicketReply>>
  readonly technical: Readonly<Record<TechnicalTopic, TicketReply>>
}

/** The reply tables, by language. */
export const SHOP_REPLIES: Readonly<Record<ShopLanguage, ShopReplies>> = {
  en: {
    greeting: 'Hi there! I can help you find products, compare them, or sort out an order. What are you looking for?',
    thanks: "You're welcome! Let me know if there's anything else I can do for you.",
    fallback:
      "I'm not sure I got that. I can find products within your budget, compare them, help with an order, or pass a problem on to our support team.",
    fallbackSuggestion: 'Here is what I can do:',
    findProductLabel: 'Find a product',
    findProductMessage: 'Help me find a product',
    trackOrderLabel: 'Track my order',
    trackOrderMessage: 'Where is my order?',
    talkToSupportLabel: 'Talk to support',
    supportTitle: 'Question from the chat',
    found: (what) => `Here are my top picks for ${what}.`,
    fromPreferences: 'I went by your saved preferences.',
    noneFound: (what) => `I couldn't find any ${what} in our catalogue right now.`,
    noted: (what) => `Got it: ${what}. I'll keep that in mind for my suggestions.`,
    askWhat: "Happy to help you find something! What kind of product are you looking for, and what's your budget?",
    products: 'products',
    recommended: 'Recommended for you:',
    budgetPrompt: 'Set a budget to narrow it down:',
    budgetLabel: (price) => `Up to ${price}`,
    upTo: (price) => `up to ${price}`,
    from: (price) => `from ${price}`,
    between: (min, max) => `between ${min} and ${max}`,
    raiseBudget: 'There are matches above your budget:',
    askTeamLabel: 'Ask our team',
    askTeamSuggestion: 'Our team may know of something that fits:',
    searchTitle: (what) => `Looking for ${what}`,
    compare: 'Happy to compare! Which products do you have in mind?',
    compareCurrent: "Let's compare the products you're looking at.",
    compareCandidates: (what) => `Here are some ${what} worth comparing.`,
    compareLabel: 'Compare side by side',
    compareSuggestion: 'Want a closer look?',
    askExpertLabel: 'Ask an expert',
    comparisonTitle: (what) => `Comparing ${what}`,
    orderSuggestion: 'Our team can look into your order. Open a ticket and we will get back to you there.',
    technicalSuggestion: 'Open a ticket and our support team will look into it.',
    openTicketLabel: 'Open a ticket',
    photo: (count) =>
      `Thanks for the ${count === 1 ? 'photo' : 'photos'}! If your parcel or product arrived damaged, our team can sort it out: open a ticket and the ${count === 1 ? 'photo goes' : 'photos go'} with it. Or tell me what you are looking for.`,
    file: (names) =>
      `Thanks, I got ${names.length === 1 ? `your file ${names[0]}` : `your ${names.length} files`}. I can't read files myself, but our team can: open a ticket and ${names.length === 1 ? 'it goes' : 'they go'} with it.`,
    voice: "I got your voice message, but I can't listen to recordings. Could you type your question? Or open a ticket and our team will listen to it.",
    attachmentSuggestion: 'Our team can take it from here:',
    reportDamageLabel: 'Report a damaged parcel',
    damagedTitle: 'Damaged parcel',
    fileTitle: 'File from the chat',
    voiceTitle: 'Voice message from the chat',
    order: {
      tracking: { reply: "Sorry your order hasn't shown up yet. I can't see shipping details from here, but our team can track it down for you.", title: 'Where is my order?' },
      cancel: { reply: 'I can pass your cancellation on to our team; they can see whether your order has shipped yet.', title: 'Cancel my order' },
      refund: { reply: "Let's get your refund sorted. Our team can check your order and start the refund.", title: 'Refund request' },
      return: { reply: 'Our team can help you with your return and tell you the next steps.', title: 'Return request' },
      other: { reply: "I'm sorry there's trouble with your order. Our team can take a look at it.", title: 'Help with my order' },
    },
    technical: {
      payment: { reply: "I'm sorry your payment didn't go through. You can try again or use another payment method, and our team can check what went wrong.", title: 'Payment processing issue' },
      checkout: { reply: "I'm sorry the checkout isn't working. Reloading the page or emptying the cart and adding the items again often helps.", title: 'Checkout not working' },
      page: { reply: "Sorry, something is wrong with that page. Reloading it or clearing the browser cache often helps.", title: 'Page not loading' },
      other: { reply: "Sorry you ran into an error. Tell our support team what happened and they'll sort it out.", title: 'Technical problem' },
    },
  },
  de: {
    greeting: 'Hallo! Ich helfe dir, Produkte zu finden, zu vergleichen oder eine Bestellung zu klären. Wonach suchst du?',
    thanks: 'Gern geschehen! Sag Bescheid, wenn ich noch etwas für dich tun kann.',
    fallback:
      'Das habe ich leider nicht verstanden. Ich kann Produkte in deinem Budget finden, sie vergleichen, bei einer Bestellung helfen oder ein Problem an unseren Support weitergeben.',
    fallbackSuggestion: 'Das kann ich für dich tun:',
    findProductLabel: 'Produkt finden',
    findProductMessage: 'Hilf mir, ein Produkt zu finden',
    trackOrderLabel: 'Bestellung verfolgen',
    trackOrderMessage: 'Wo ist meine Bestellung?',
    talkToSupportLabel: 'Support kontaktieren',
    supportTitle: 'Frage aus dem Chat',
    found: (what) => `Hier sind meine Empfehlungen für ${what}.`,
    fromPreferences: 'Ich habe mich an deinen gespeicherten Vorlieben orientiert.',
    noneFound: (what) => `Ich habe gerade keine ${what} in unserem Katalog gefunden.`,
    noted: (what) => `Alles klar: ${what}. Das behalte ich für meine Vorschläge im Blick.`,
    askWhat: 'Gern helfe ich dir beim Suchen! Was für ein Produkt suchst du, und wie hoch ist dein Budget?',
    products: 'Produkte',
    recommended: 'Empfehlungen für dich:',
    budgetPrompt: 'Mit einem Budget kann ich die Auswahl eingrenzen:',
    budgetLabel: (price) => `Bis ${price}`,
    upTo: (price) => `bis ${price}`,
    from: (price) => `ab ${price}`,
    between: (min, max) => `zwischen ${min} und ${max}`,
    raiseBudget: 'Über deinem Budget gibt es Treffer:',
    askTeamLabel: 'Unser Team fragen',
    askTeamSuggestion: 'Vielleicht weiß unser Team etwas Passendes:',
    searchTitle: (what) => `Suche nach ${what}`,
    compare: 'Gern vergleiche ich! Welche Produkte hast du im Blick?',
    compareCurrent: 'Vergleichen wir die Produkte, die du dir gerade ansiehst.',
    compareCandidates: (what) => `Diese ${what} lohnen einen Vergleich.`,
    compareLabel: 'Direkt vergleichen',
    compareSuggestion: 'Möchtest du genauer hinschauen?',
    askExpertLabel: 'Expertenrat einholen',
    comparisonTitle: (what) => `Vergleich: ${what}`,
    orderSuggestion: 'Unser Team kann sich deine Bestellung ansehen. Eröffne ein Ticket, dann melden wir uns dort.',
    technicalSuggestion: 'Eröffne ein Ticket, dann kümmert sich unser Support darum.',
    openTicketLabel: 'Ticket eröffnen',
    photo: (count) =>
      `Danke für ${count === 1 ? 'das Foto' : 'die Fotos'}! Falls dein Paket oder Produkt beschädigt angekommen ist, kümmert sich unser Team darum: Eröffne ein Ticket, ${count === 1 ? 'das Foto geht' : 'die Fotos gehen'} mit. Oder sag mir, wonach du suchst.`,
    file: (names) =>
      `Danke, ${names.length === 1 ? `deine Datei ${names[0]} ist` : `deine ${names.length} Dateien sind`} angekommen. Selbst lesen kann ich Dateien nicht, aber unser Team: Eröffne ein Ticket, ${names.length === 1 ? 'sie geht' : 'sie gehen'} mit.`,
    voice: 'Deine Sprachnachricht ist angekommen, aber Aufnahmen kann ich nicht anhören. Magst du deine Frage tippen? Oder eröffne ein Ticket, dann hört unser Team sie sich an.',
    attachmentSuggestion: 'Unser Team übernimmt gern:',
    reportDamageLabel: 'Beschädigte Lieferung melden',
    damagedTitle: 'Beschädigte Lieferung',
    fileTitle: 'Datei aus dem Chat',
    voiceTitle: 'Sprachnachricht aus dem Chat',
    order: {
      tracking: { reply: 'Schade, dass deine Bestellung noch nicht da ist. Versanddaten sehe ich von hier aus nicht, aber unser Team kann sie für dich nachverfolgen.', title: 'Wo ist meine Bestellung?' },
      cancel: { reply: 'Ich gebe deine Stornierung gern an unser Team weiter; es sieht, ob deine Bestellung schon versendet wurde.', title: 'Bestellung stornieren' },
      refund: { reply: 'Kümmern wir uns um deine Erstattung. Unser Team prüft deine Bestellung und veranlasst die Erstattung.', title: 'Erstattung' },
      return: { reply: 'Unser Team hilft dir bei der Rücksendung und nennt dir die nächsten Schritte.', title: 'Rücksendung' },
      other: { reply: 'Tut mir leid, dass es mit deiner Bestellung Probleme gibt. Unser Team sieht sich das gern an.', title: 'Hilfe zu meiner Bestellung' },
    },
    technical: {
      payment: { reply: 'Tut mir leid, dass die Zahlung nicht geklappt hat. Du kannst es erneut versuchen oder eine andere Zahlungsart wählen; unser Team kann prüfen, was schiefgelaufen ist.', title: 'Problem bei der Zahlung' },
      checkout: { reply: 'Tut mir leid, dass die Kasse nicht funktioniert. Oft hilft es, die Seite neu zu laden oder den Warenkorb neu zu befüllen.', title: 'Kasse funktioniert nicht' },
      page: { reply: 'Da stimmt etwas mit der Seite nicht. Oft hilft es, sie neu zu laden oder den Browser-Cache zu leeren.', title: 'Seite lädt nicht' },
      other: { reply: 'Tut mir leid, dass ein Fehler aufgetreten ist. Beschreib unserem Support, was passiert ist, dann kümmern wir uns darum.', title: 'Technisches Problem' },
    },
  },
}
