/**
 * Shows amounts the way the reader's language writes them: "$1,500", "1.500 €", "1,299.99".
 */
import type { ShopLanguage } from './shop-phrases.js'

const formats = new Map<string, Intl.NumberFormat>()

/**
 * Formats `value` for a reply in `language`. The app's `locale` is used when it is of that
 * language (so "de-CH" keeps its Swiss separators), else the bare language: an English
 * reply in a German shop reads "$1,500", not "1.500 $". Whole amounts show no cents.
 * Without a currency the plain number is shown.
 */
export function formatPrice(value: number, language: ShopLanguage, locale: string, currency?: string): string {
  const tag = new Intl.Locale(locale).language === language ? locale : language
  const digits = Number.isInteger(value) ? 0 : 2
  const key = `${tag}|${currency ?? ''}|${digits}`
  let format = formats.get(key)
  if (!format) {
    format = new Intl.NumberFormat(tag, {
      ...(currency ? { style: 'currency', currency } : {}),
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    })
    formats.set(key, format)
  }
  return format.format(value)
}

/** Rounds a price up to a figure a person would name as a budget: 1,799 → 1,800; 87 → 90. */
export function roundBudget(price: number): number {
  const step = price < 100 ? 10 : price < 1_000 ? 50 : 100
  return Math.ceil(price / step) * step
}
