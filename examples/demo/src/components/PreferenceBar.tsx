/**
 * The shopper's budget and favourite categories, kept in the user context as
 * `preferences` ("Clear my preferences" empties them again).
 */
import type { UserPreferences } from 'companion-chat'
import { useChatClient, useChatSelector } from 'companion-chat/react'
import { DEMO_PRODUCTS } from '../products'
import { formatPrice } from '../format'
import { useNotices } from './NoticeProvider'

const BUDGETS = [100, 500, 1000, 1500] as const
const CATEGORIES = [...new Set(DEMO_PRODUCTS.map((product) => product.category))]

export function PreferenceBar() {
  const client = useChatClient()
  const { run } = useNotices()
  const preferences = useChatSelector((state) => state.userContext.preferences)
  const maxBudget = preferences?.budget?.max
  const categories = preferences?.categories ?? []

  const save = (next: UserPreferences) => run(() => client.updateUserContext({ preferences: { ...preferences, ...next } }))

  const setBudget = (value: string) => save({ budget: value === '' ? undefined : { max: Number(value) } })
  const toggleCategory = (category: string) =>
    save({ categories: categories.includes(category) ? categories.filter((c) => c !== category) : [...categories, category] })

  return (
    <section className="preferences" aria-label="Your preferences">
      <label className="preference">
        <span>Budget</span>
        <select value={maxBudget ?? ''} onChange={(event) => setBudget(event.target.value)}>
          <option value="">Any price</option>
          {BUDGETS.map((max) => (
            <option key={max} value={max}>
              up to {formatPrice(max, 'USD')}
            </option>
          ))}
          {maxBudget !== undefined && !BUDGETS.some((max) => max === maxBudget) && (
            <option value={maxBudget}>up to {formatPrice(maxBudget, 'USD')}</option>
          )}
        </select>
      </label>
      <div className="preference" role="group" aria-label="Interested in">
        <span>Interested in</span>
        {CATEGORIES.map((category) => (
          <button
            key={category}
            type="button"
            className="chip"
            aria-pressed={categories.includes(category)}
            onClick={() => toggleCategory(category)}
          >
            {category}
          </button>
        ))}
      </div>
    </section>
  )
}
