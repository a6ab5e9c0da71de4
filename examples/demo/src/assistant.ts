/**
 * The assistant wiring of the demo, in one place: the SDK's offline shop assistant over
 * the demo catalogue. main.tsx passes it to `createChatClient({ assistant })`; swap in
 * `createOpenAICompatibleAssistant(…)` here to try a real model.
 */
import { createShopAssistant, type Assistant } from 'companion-chat'
import { DEMO_PRODUCTS } from './products'

/** The demo's assistant: rule-based, deterministic, never touches the network. */
export function createDemoAssistant(): Assistant {
  return createShopAssistant({ catalogue: DEMO_PRODUCTS, locale: 'en-US', currency: 'USD', name: 'Northwind assistant' })
}
