import {
  createShopAssistant,
  detectIntent,
  type ShopIntent,
  type ShopLanguage,
  type UserChatContext,
  type UserPreferences,
} from 'companion-chat'
import { describe, expect, it } from 'vitest'
import { ask } from './shop-helpers.js'

interface Row {
  readonly text: string
  readonly intent: ShopIntent
  readonly language: ShopLanguage
  /** The context change the assistant proposes; `undefined` when it proposes none. */
  readonly context: UserChatContext | undefined
  /** `type` of every action offered, in order; `ticket` is the ticket type of `open-ticket`. */
  readonly actions: readonly string[]
  readonly ticket?: { readonly type: string; readonly title: string }
}

const search = (preferences: UserPreferences): UserChatContext => ({ preferences, shoppingIntent: 'search' })
const presets = ['set-budget', 'set-budget', 'set-budget']

// Without a catalogue: what the assistant understands, proposes to remember, and offers.
const rows: readonly Row[] = [
  { text: "I'm looking for gaming laptops under $1500", intent: 'search', language: 'en', context: search({ budget: { max: 1500 }, currency: 'USD', categories: ['gaming', 'laptops'] }), actions: [] },
  { text: 'Ich suche Kopfhörer unter 200 €', intent: 'search', language: 'de', context: search({ budget: { max: 200 }, currency: 'EUR', categories: ['headphones'] }), actions: [] },
  { text: 'Looking for a monitor between $300 and $500', intent: 'search', language: 'en', context: search({ budget: { min: 300, max: 500 }, currency: 'USD', categories: ['monitors'] }), actions: [] },
  { text: 'Laptops zwischen 800 und 1.200 Euro', intent: 'search', language: 'de', context: search({ budget: { min: 800, max: 1200 }, currency: 'EUR', categories: ['laptops'] }), actions: [] },
  { text: 'phones from 400 to 700', intent: 'search', language: 'en', context: search({ budget: { min: 400, max: 700 }, categories: ['phones'] }), actions: [] },
  { text: 'Show me cameras over $1,000', intent: 'search', language: 'en', context: search({ budget: { min: 1000 }, currency: 'USD', categories: ['cameras'] }), actions: [] },
  { text: 'Ein Tablet bis 1.500 €', intent: 'search', language: 'de', context: search({ budget: { max: 1500 }, currency: 'EUR', categories: ['tablets'] }), actions: [] },
  { text: 'I need a keyboard for less than 100 dollars', intent: 'search', language: 'en', context: search({ budget: { max: 100 }, currency: 'USD', categories: ['keyboards'] }), actions: [] },
  { text: 'RTX 4090 laptop above $2,000', intent: 'search', language: 'en', context: search({ budget: { min: 2000 }, currency: 'USD', categories: ['laptops'] }), actions: [] },
  { text: 'Kopfhörer für maximal 1.299,99 €', intent: 'search', language: 'de', context: search({ budget: { max: 1299.99 }, currency: 'EUR', categories: ['headphones'] }), actions: [] },
  { text: 'Monitore ab 2k', intent: 'search', language: 'de', context: search({ budget: { min: 2000 }, categories: ['monitors'] }), actions: [] },
  { text: 'I want headphones', intent: 'search', language: 'en', context: search({ categories: ['headphones'] }), actions: presets },
  { text: 'Compare the iPhone vs the Pixel', intent: 'comparison', language: 'en', context: { preferences: { categories: ['phones'] }, shoppingIntent: 'comparison' }, actions: ['open-ticket'], ticket: { type: 'product-inquiry', title: 'Comparing phones' } },
  { text: 'Was ist der Unterschied zwischen diesen Laptops?', intent: 'comparison', language: 'de', context: { preferences: { categories: ['laptops'] }, shoppingIntent: 'comparison' }, actions: ['open-ticket'], ticket: { type: 'product-inquiry', title: 'Vergleich: Laptops' } },
  { text: 'Where is my order?', intent: 'order-help', language: 'en', context: undefined, actions: ['open-ticket'], ticket: { type: 'order-help', title: 'Where is my order?' } },
  { text: 'I want a refund for my headphones', intent: 'order-help', language: 'en', context: undefined, actions: ['open-ticket'], ticket: { type: 'order-help', title: 'Refund request' } },
  { text: 'How do I return this jacket?', intent: 'order-help', language: 'en', context: undefined, actions: ['open-ticket'], ticket: { type: 'order-help', title: 'Return request' } },
  { text: 'Please cancel my order', intent: 'order-help', language: 'en', context: undefined, actions: ['open-ticket'], ticket: { type: 'order-help', title: 'Cancel my order' } },
  { text: 'I have a problem with my order', intent: 'order-help', language: 'en', context: undefined, actions: ['open-ticket'], ticket: { type: 'order-help', title: 'Help with my order' } },
  { text: 'Wo ist mein Paket?', intent: 'order-help', language: 'de', context: undefined, actions: ['open-ticket'], ticket: { type: 'order-help', title: 'Wo ist meine Bestellung?' } },
  { text: 'Ich möchte meine Bestellung stornieren', intent: 'order-help', language: 'de', context: undefined, actions: ['open-ticket'], ticket: { type: 'order-help', title: 'Bestellung stornieren' } },
  { text: 'My payment failed', intent: 'technical', language: 'en', context: undefined, actions: ['open-ticket'], ticket: { type: 'technical', title: 'Payment processing issue' } },
  { text: "The checkout doesn't work", intent: 'technical', language: 'en', context: undefined, actions: ['open-ticket'], ticket: { type: 'technical', title: 'Checkout not working' } },
  { text: 'The product page is broken and not loading', intent: 'technical', language: 'en', context: undefined, actions: ['open-ticket'], ticket: { type: 'technical', title: 'Page not loading' } },
  { text: 'I keep getting an error', intent: 'technical', language: 'en', context: undefined, actions: ['open-ticket'], ticket: { type: 'technical', title: 'Technical problem' } },
  { text: 'Die Zahlung wurde abgelehnt', intent: 'technical', language: 'de', context: undefined, actions: ['open-ticket'], ticket: { type: 'technical', title: 'Problem bei der Zahlung' } },
  { text: 'My laptop is broken', intent: 'technical', language: 'en', context: undefined, actions: ['open-ticket'], ticket: { type: 'technical', title: 'Technical problem' } },
  { text: 'The keyboard backlight stopped working after the update', intent: 'technical', language: 'en', context: undefined, actions: ['open-ticket'], ticket: { type: 'technical', title: 'Technical problem' } },
  { text: 'Mein Laptop ist kaputt', intent: 'technical', language: 'de', context: undefined, actions: ['open-ticket'], ticket: { type: 'technical', title: 'Technisches Problem' } },
  { text: 'Die Seite lädt nicht', intent: 'technical', language: 'de', context: undefined, actions: ['open-ticket'], ticket: { type: 'technical', title: 'Seite lädt nicht' } },
  { text: 'Hello!', intent: 'greeting', language: 'en', context: undefined, actions: [] },
  { text: 'Guten Morgen', intent: 'greeting', language: 'de', context: undefined, actions: [] },
  { text: 'Thanks a lot!', intent: 'thanks', language: 'en', context: undefined, actions: [] },
  { text: 'Vielen Dank', intent: 'thanks', language: 'de', context: undefined, actions: [] },
  { text: "What's the weather like?", intent: 'unknown', language: 'en', context: undefined, actions: ['send-message', 'send-message', 'open-ticket'], ticket: { type: 'support', title: 'Question from the chat' } },
  { text: 'Wie wird das Wetter morgen?', intent: 'unknown', language: 'de', context: undefined, actions: ['send-message', 'send-message', 'open-ticket'], ticket: { type: 'support', title: 'Frage aus dem Chat' } },
]

describe('shop assistant intents', () => {
  const assistant = createShopAssistant()

  it.each(rows)('understands "$text"', async (row) => {
    const detected = detectIntent(row.text)
    expect(detected.intent).toBe(row.intent)
    expect(detected.language).toBe(row.language)

    const answer = await ask(assistant, row.text)
    expect(answer.text.length).toBeGreaterThan(0)
    expect(answer.context).toEqual(row.context)
    expect(answer.actions.map((action) => action.type)).toEqual(row.actions)
    const ticket = answer.actions.find((action) => action.type === 'open-ticket')
    expect(ticket?.payload).toEqual(
      row.ticket ? expect.objectContaining({ ticketType: row.ticket.type, title: row.ticket.title, messageId: 'msg-1' }) : undefined,
    )
  })

  it('answers German messages in German and English ones in English', async () => {
    expect((await ask(assistant, 'Hallo')).text).toMatch(/^Hallo! Ich helfe dir/)
    expect((await ask(assistant, 'Hello')).text).toMatch(/^Hi there! I can help you/)
    expect((await ask(assistant, 'Ich suche Kopfhörer unter 200 €')).text).toBe(
      'Alles klar: Kopfhörer bis 200\u00a0€. Das behalte ich für meine Vorschläge im Blick.',
    )
    expect((await ask(assistant, "I'm looking for gaming laptops under $1500")).text).toBe(
      "Got it: gaming laptops up to $1,500. I'll keep that in mind for my suggestions.",
    )
  })

  it('falls back to the locale when a message shows no language', async () => {
    const german = createShopAssistant({ locale: 'de-DE' })
    expect(detectIntent('Hi', { locale: 'de-DE' }).language).toBe('de')
    expect((await ask(german, 'Hi')).text).toMatch(/^Hallo!/)
    expect((await ask(german, 'Hello, how are you?')).text).toMatch(/^Hi there!/)
  })

  it('names the currency of a saved budget in follow-up answers, in English and German', async () => {
    // The first answer proposes the budget; a follow-up reads it back from the saved context.
    const followUp = async (shop: typeof assistant, first: string, next: string) => {
      const userContext = (await ask(shop, first)).context ?? {}
      return ask(shop, next, { userContext })
    }
    expect((await followUp(assistant, 'gaming laptops under $1500', 'show me something')).text).toBe(
      "Got it: gaming laptops up to $1,500. I'll keep that in mind for my suggestions.",
    )
    const comparison = await followUp(assistant, 'gaming laptops under $1500', 'compare them')
    expect(comparison.actions.find((action) => action.type === 'open-ticket')?.payload?.['title']).toBe(
      'Comparing gaming laptops up to $1,500',
    )
    expect((await followUp(assistant, 'Ich suche Laptops unter 1.500 €', 'zeig mir etwas')).text).toBe(
      'Alles klar: Laptops bis 1.500\u00a0€. Das behalte ich für meine Vorschläge im Blick.',
    )
    // A budget named in dollars stays in dollars in a shop that prices in euros.
    const euroShop = createShopAssistant({ currency: 'EUR' })
    expect((await followUp(euroShop, 'laptops between $800 and $1200', 'show me something')).text).toBe(
      "Got it: laptops between $800 and $1,200. I'll keep that in mind for my suggestions.",
    )
  })

  it('ignores model numbers and reads thousands separators in either convention', () => {
    expect(detectIntent('iPhone 15 with 256 GB').budget).toBeUndefined()
    expect(detectIntent('under 1,500').budget).toEqual({ max: 1500 })
    expect(detectIntent('unter 1.500').budget).toEqual({ max: 1500 })
    expect(detectIntent('under $1,299.99').budget).toEqual({ max: 1299.99 })
    expect(detectIntent('$800-$1200 headphones')).toMatchObject({ budget: { min: 800, max: 1200 }, currency: 'USD' })
    expect(detectIntent('a phone for 600 €')).toMatchObject({ budget: { max: 600 }, currency: 'EUR' })
    expect(detectIntent('a 15-17 inch laptop under $1500').budget).toEqual({ max: 1500 })
    expect(detectIntent('budget 800 to 1200').budget).toEqual({ min: 800, max: 1200 })
  })

  it('names the store’s own category when the catalogue has one for the concept', () => {
    expect(detectIntent('notebooks under 900', { categories: ['Laptop'] }).categories).toEqual(['Laptop'])
    expect(detectIntent('Kopfhörer', { categories: ['kopfhorer'] }).categories).toEqual(['kopfhorer'])
    expect(detectIntent('gaming laptops').categories).toEqual(['gaming', 'laptops'])
  })
})
