import {
  createShopAssistant,
  ValidationError,
  type AssistantPart,
  type Product,
} from 'companion-chat'
import { describe, expect, it } from 'vitest'
import { ask, collect, userMessage } from './shop-helpers.js'

const catalogue: readonly Product[] = [
  { id: 'lap-gaming-1', name: 'Nimbus 15 Gaming', category: 'laptop', price: 1299, currency: 'USD', tags: ['gaming'] },
  { id: 'lap-gaming-2', name: 'Vortex 17', category: 'laptop', price: 1899, currency: 'USD', tags: ['gaming', 'rgb'] },
  { id: 'lap-gaming-3', name: 'Blaze 14', category: 'laptop', price: 999, currency: 'USD', tags: ['gaming'] },
  { id: 'lap-gaming-4', name: 'Raptor 16', category: 'laptop', price: 1499, currency: 'USD', tags: ['gaming'] },
  { id: 'lap-gaming-5', name: 'Comet 15', category: 'laptop', price: 1199, currency: 'USD', tags: ['gaming'] },
  { id: 'lap-office', name: 'Office Air 13', category: 'laptop', price: 799, currency: 'USD', tags: ['office'] },
  { id: 'hp-wireless', name: 'Silent Pro', category: 'kopfhorer', price: 199, currency: 'USD', tags: ['wireless'] },
  { id: 'hp-wired', name: 'Studio Wire', category: 'kopfhorer', price: 89, currency: 'USD' },
]

const productIds = (actions: ReadonlyArray<{ type: string; payload?: { readonly [key: string]: unknown } }>) =>
  actions.filter((action) => action.type === 'show-product').map((action) => action.payload?.['productId'])

describe('createShopAssistant with a catalogue', () => {
  const assistant = createShopAssistant({ catalogue })

  it('recommends up to three matching products within the budget, cheapest first', async () => {
    const answer = await ask(assistant, "I'm looking for gaming laptops under $1500")

    expect(productIds(answer.actions)).toEqual(['lap-gaming-3', 'lap-gaming-5', 'lap-gaming-1'])
    expect(answer.text).toBe('Here are my top picks for gaming laptops up to $1,500.')
    expect(answer.actions[0]).toEqual({
      id: 'show-product:lap-gaming-3',
      label: 'Blaze 14 ($999)',
      type: 'show-product',
      payload: { productId: 'lap-gaming-3' },
    })
    expect(answer.context).toEqual({
      preferences: { budget: { max: 1500 }, currency: 'USD', categories: ['gaming', 'laptop'] },
      shoppingIntent: 'search',
    })
  })

  it('leaves out products that match less of the request', async () => {
    const answer = await ask(assistant, 'gaming laptops between $700 and $1,000')
    // The office laptop fits the budget but is not a gaming laptop.
    expect(productIds(answer.actions)).toEqual(['lap-gaming-3'])
  })

  it('matches plurals and words without their accents', async () => {
    expect(productIds((await ask(assistant, 'Laptops under 800')).actions)).toEqual(['lap-office'])
    expect(productIds((await ask(assistant, 'Ich suche Kopfhörer unter 300 €')).actions)).toEqual(['hp-wired', 'hp-wireless'])
    expect(productIds((await ask(assistant, 'wireless headphones please')).actions)).toEqual(['hp-wireless'])
  })

  it('offers the budget that would find something when nothing fits', async () => {
    const answer = await ask(assistant, 'gaming laptops under $900')
    expect(answer.text).toBe("I couldn't find any gaming laptops up to $900 in our catalogue right now.")
    expect(productIds(answer.actions)).toEqual([])
    expect(answer.actions.map((action) => [action.type, action.payload])).toEqual([
      ['set-budget', { budget: { max: 1000 } }],
      ['open-ticket', { ticketType: 'product-inquiry', title: 'Looking for gaming laptops up to $900', messageId: 'msg-1' }],
    ])
  })

  it('offers budgets to choose from when none is known', async () => {
    const answer = await ask(assistant, 'Show me headphones')
    expect(productIds(answer.actions)).toEqual(['hp-wired', 'hp-wireless'])
    const budgets = answer.actions.filter((action) => action.type === 'set-budget')
    expect(budgets.map((action) => [action.label, action.payload])).toEqual([
      ['Up to $500', { budget: { max: 500 } }],
      ['Up to $1,000', { budget: { max: 1000 } }],
      ['Up to $2,000', { budget: { max: 2000 } }],
    ])
  })

  it('uses the saved budget and categories when the message names none', async () => {
    const answer = await ask(assistant, 'show me something', {
      userContext: { preferences: { budget: { max: 1200 }, categories: ['gaming', 'laptop'] }, shoppingIntent: 'search' },
    })
    expect(answer.text).toBe('Here are my top picks for gaming laptops up to $1,200. I went by your saved preferences.')
    expect(productIds(answer.actions)).toEqual(['lap-gaming-3', 'lap-gaming-5'])
    // Nothing new to remember.
    expect(answer.context).toBeUndefined()
  })

  it('prices products in the store’s currency when the shopper names another', async () => {
    const unpriced = catalogue.map(({ currency: _, ...product }) => product)
    const shop = createShopAssistant({ catalogue: unpriced, currency: 'EUR' })
    const answer = await ask(shop, 'gaming laptops under $1000')
    expect(answer.text).toBe('Here are my top picks for gaming laptops up to $1,000.')
    expect(answer.actions[0]?.label).toBe('Blaze 14 (€999)')
  })

  it('keeps the other saved preferences when it proposes new ones', async () => {
    const answer = await ask(assistant, 'laptops under $1000', {
      userContext: { preferences: { brands: ['Acme'], budget: { min: 200 } } },
    })
    expect(answer.context).toEqual({
      preferences: { brands: ['Acme'], budget: { max: 1000 }, currency: 'USD', categories: ['laptop'] },
      shoppingIntent: 'search',
    })
  })

  it('offers to compare the products the user is looking at', async () => {
    const answer = await ask(assistant, 'What is the difference between these?', {
      userContext: { currentProducts: ['lap-gaming-1', 'lap-gaming-2'] },
    })
    expect(answer.actions.map((action) => [action.type, action.payload?.['productIds']])).toEqual([
      ['compare-products', ['lap-gaming-1', 'lap-gaming-2']],
      ['open-ticket', ['lap-gaming-1', 'lap-gaming-2']],
    ])
    expect(answer.context).toEqual({ shoppingIntent: 'comparison' })
  })

  it('finds products by what their descriptions say, also without a category or a cue', async () => {
    const described: readonly Product[] = [
      { id: 'lap-heavy', name: 'Titan 17', category: 'laptop', price: 1599, tags: ['gaming'], description: '3.2 kg, RTX graphics, 4-hour battery.' },
      { id: 'lap-air', name: 'Aero 14', category: 'laptop', price: 999, tags: ['lightweight'], description: '1.1 kg, 18-hour battery, made for travel.' },
      { id: 'mouse', name: 'Swift Mouse', category: 'mouse', price: 49, tags: ['wireless'], description: '59 g, 70-hour battery.' },
    ]
    const shop = createShopAssistant({ catalogue: described, currency: 'USD' })
    // "light" finds "lightweight"; "battery" is in three descriptions; the product with both wins.
    const answer = await ask(shop, 'Something light with a long battery life, please')
    expect(productIds(answer.actions)).toEqual(['lap-air'])
    expect(answer.text).toBe('Here are my top picks for products (light, battery).')
    // With the saved categories, the search stays within them.
    const laptops = await ask(shop, 'which one has the best battery?', { userContext: { preferences: { categories: ['laptop'] } } })
    expect(productIds(laptops.actions)).toEqual(['lap-air', 'lap-heavy'])
    // A saved category the picks do not match is not named in the answer.
    const saved = { preferences: { categories: ['gaming', 'laptop'], budget: { max: 1500 } } }
    const light = await ask(shop, 'Something light with a long battery life, please', { userContext: saved })
    expect(productIds(light.actions)).toEqual(['lap-air'])
    expect(light.text).toBe('Here are my top picks for laptops (light, battery) up to $1,500. I went by your saved preferences.')
    // Function words in descriptions ("made for") find nothing; short fragments do not count as prefixes.
    expect((await ask(shop, 'made for you')).text).toContain('not sure')
    expect((await ask(shop, 'a pro one')).text).toContain('not sure')
  })

  it('streams text first, then suggestions, then the context change', async () => {
    const answer = await ask(assistant, "I'm looking for gaming laptops under $1500")
    expect(answer.order).toEqual(['text', 'suggestion', 'context'])
    expect(answer.textParts).toBeGreaterThan(1)
  })
})

describe('createShopAssistant streaming', () => {
  const assistant = createShopAssistant({ catalogue })

  it('stops when the request is aborted mid-answer', async () => {
    const controller = new AbortController()
    const message = userMessage("I'm looking for gaming laptops under $1500")
    const parts: AssistantPart[] = []
    for await (const part of assistant.respond({ message, thread: [message], userContext: {}, signal: controller.signal })) {
      parts.push(part)
      controller.abort()
    }
    expect(parts).toEqual([{ type: 'text', delta: 'Here are my top ' }])
  })

  it('yields nothing for a request aborted before it starts', async () => {
    expect(await collect(assistant, 'Hello', { signal: AbortSignal.abort() })).toEqual([])
  })

  it('answers the same input with the same parts', async () => {
    const text = 'Ich suche Gaming Laptops zwischen 1.000 und 1.500 €'
    const first = await collect(assistant, text)
    const second = await collect(assistant, text)
    const fresh = await collect(createShopAssistant({ catalogue }), text)
    expect(second).toEqual(first)
    expect(fresh).toEqual(first)
    expect(first.length).toBeGreaterThan(3)
  })

  it('refuses an invalid locale or currency when created', () => {
    expect(() => createShopAssistant({ locale: 'not a locale!' })).toThrow(ValidationError)
    expect(() => createShopAssistant({ currency: 'dollars' })).toThrow(ValidationError)
  })
})
