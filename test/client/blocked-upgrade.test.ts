/**
 * A schema upgrade blocked by an old tab that holds the database open at the older version:
 * the client says so at once, waits without timing out, and connects (with the commands
 * issued meanwhile committed) when the old tab lets go.
 */
import { firstValueFrom, filter } from 'rxjs'
import { describe, expect, onTestFinished, test, vi } from 'vitest'
import type { ChatStatus } from 'companion-chat'
import { createDevice } from '../helpers/client.js'
import { firstRelease, openAsOldTab } from '../helpers/old-release.js'

const statusOf = (status: ChatStatus) => ({ connection: status.connection, error: status.error?.code })

describe('an upgrade blocked by an old tab', () => {
  test('status$ says blocked; the client connects when the old tab closes, and what was sent meanwhile commits', async () => {
    const device = createDevice()
    const release = firstRelease()
    const oldTab = await openAsOldTab(device.indexedDB as unknown as IDBFactory, device.databaseName, release.idbVersion, release.stores)
    const seen: string[] = []
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    onTestFinished(() => warn.mockRestore())
    // Waiting for the old tab is not an engine that fails to answer: no connect timeout applies.
    const chat = device.open({ connectTimeout: 1_000 })
    chat.status$.subscribe(({ connection }) => {
      if (seen.at(-1) !== connection) seen.push(connection)
    })
    await firstValueFrom(chat.status$.pipe(filter((status) => status.connection !== 'connecting')))
    expect(statusOf(chat.status$.value)).toEqual({ connection: 'blocked', error: undefined })

    // Commands issued meanwhile show at once and wait.
    const sent = chat.sendMainChatMessage('sent while blocked')
    let committed = false
    void sent.then(() => (committed = true))
    await new Promise((resolve) => setTimeout(resolve, 1_500)) // past connectTimeout
    expect(statusOf(chat.status$.value)).toEqual({ connection: 'blocked', error: undefined })
    expect(committed).toBe(false)
    expect(chat.getState().mainChat.messages.at(-1)?.content).toBe('sent while blocked')

    oldTab.close() // the old tab goes: the upgrade runs
    await chat.ready
    await sent
    expect(statusOf(chat.status$.value)).toEqual({ connection: 'ready', error: undefined })
    expect(seen).toEqual(['connecting', 'blocked', 'ready'])
    // status$ says it; nothing is printed to the app's console (Dexie warns by default).
    expect(warn).not.toHaveBeenCalled()
    expect(chat.getState().mainChat.messages.map((m) => m.content)).toEqual([...release.mainChat, 'sent while blocked'].slice(-100))

    // It was written to the upgraded database: a new client (a reload) reads it.
    await chat.close()
    const reloaded = device.open()
    await reloaded.ready
    expect(reloaded.getState().mainChat.messages.at(-1)?.content).toBe('sent while blocked')
  })
})
