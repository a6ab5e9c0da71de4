/**
 * The built-in category vocabulary of the shop assistant: a canonical id and the English
 * and German words for it. The id is what lands in `preferences.categories` when the
 * catalogue has no category of its own for the concept (see `detectIntent`).
 *
 * The id doubles as the English label of the category. Ids are English, lower case and in the plural a shop would use for a category page
 * ("laptops", "headphones"), or the adjective for themes ("gaming"), like the
 * specification's example `categories: ['electronics', 'gaming']`. Singular forms need
 * no entry of their own: words are compared with their plural ending stripped.
 */
import type { ShopLanguage } from './shop-phrases.js'
import type { WordMatcher } from './words.js'

/** The vocabulary, as `[id, German label, words]` entries. */
export const CATEGORY_VOCABULARY: ReadonlyArray<readonly [id: string, german: string, words: readonly string[]]> = [
  ['laptops', 'Laptops', ['laptop', 'notebook', 'ultrabook', 'macbook', 'chromebook']],
  ['desktops', 'Desktop-PCs', ['desktop', 'desktop pc', 'computer', 'pc', 'rechner']],
  ['phones', 'Smartphones', ['phone', 'smartphone', 'cell phone', 'mobile phone', 'iphone', 'handy', 'telefon']],
  ['tablets', 'Tablets', ['tablet', 'ipad']],
  ['headphones', 'Kopfhörer', ['headphones', 'headphone', 'headset', 'earbuds', 'earphones', 'kopfhörer', 'ohrhörer']],
  ['speakers', 'Lautsprecher', ['speaker', 'lautsprecher', 'soundbar']],
  ['monitors', 'Monitore', ['monitor', 'display', 'screen', 'bildschirm', 'monitore']],
  ['tvs', 'Fernseher', ['tv', 'television', 'fernseher', 'fernsehgerät']],
  ['cameras', 'Kameras', ['camera', 'kamera', 'kameras', 'webcam']],
  ['keyboards', 'Tastaturen', ['keyboard', 'tastatur', 'tastaturen']],
  ['mice', 'Mäuse', ['mouse', 'mice', 'maus', 'mäuse']],
  ['consoles', 'Konsolen', ['console', 'playstation', 'xbox', 'nintendo switch', 'konsole', 'konsolen', 'spielkonsole']],
  ['watches', 'Uhren', ['smartwatch', 'wristwatch', 'uhr', 'uhren', 'armbanduhr']],
  ['printers', 'Drucker', ['printer', 'drucker']],
  ['gaming', 'Gaming', ['gaming', 'gamer', 'games', 'spiele', 'zocken']],
  ['electronics', 'Elektronik', ['electronics', 'elektronik', 'gadgets']],
  ['accessories', 'Zubehör', ['accessory', 'accessories', 'zubehör', 'cable', 'kabel', 'charger', 'ladegerät']],
  ['shoes', 'Schuhe', ['shoe', 'sneaker', 'sneakers', 'boots', 'schuh', 'schuhe', 'stiefel']],
  ['clothing', 'Kleidung', ['clothes', 'clothing', 'shirt', 'jacket', 'jeans', 'kleidung', 'jacke', 'hemd', 'hose']],
  ['furniture', 'Möbel', ['furniture', 'chair', 'desk', 'sofa', 'möbel', 'stuhl', 'schreibtisch']],
  ['books', 'Bücher', ['book', 'ebook', 'buch', 'bücher']],
  ['toys', 'Spielzeug', ['toy', 'spielzeug', 'lego']],
]

type Entry = (typeof CATEGORY_VOCABULARY)[number]

/** The vocabulary entry `category` names (its id or one of its words), if any. */
export function vocabularyEntry(category: string, matcher: WordMatcher): Entry | undefined {
  return CATEGORY_VOCABULARY.find(([id, , words]) => [id, ...words].some((word) => matcher.same(category, word)))
}

/** Every word that means `category`: the name itself, plus the vocabulary's words for it. */
export function categoryWords(category: string, matcher: WordMatcher): readonly string[] {
  const entry = vocabularyEntry(category, matcher)
  return entry ? [category, entry[0], ...entry[2]] : [category]
}

/**
 * How to call `category` in a reply: the vocabulary's label in the reply's language
 * ("laptops", "Kopfhörer") when it knows the concept, else the store's name as it is.
 */
export function categoryLabel(category: string, language: ShopLanguage, matcher: WordMatcher): string {
  const entry = vocabularyEntry(category, matcher)
  if (!entry) return category
  return language === 'de' ? entry[1] : entry[0]
}
