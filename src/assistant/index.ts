/**
 * The assistants that ship with the SDK: an offline, rule-based shop assistant and an
 * adapter for OpenAI-compatible chat-completion servers. Both implement `Assistant`.
 */
export { createShopAssistant, type ShopAssistantOptions } from './shop-assistant.js'
export {
  detectIntent,
  type DetectIntentOptions,
  type DetectedBase,
  type DetectedIntent,
  type OrderTopic,
  type ShopIntent,
  type ShopLanguage,
  type TechnicalTopic,
} from './detect-intent.js'
export type { Product } from './recommend-products.js'
export {
  createOpenAICompatibleAssistant,
  type ChatCompletionPart,
  type ImageOptions,
  type OpenAICompatibleOptions,
} from './openai-compatible.js'
