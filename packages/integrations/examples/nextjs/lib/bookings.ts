// lib/bookings.ts: the application's own code (here, a list the README test reads)
export const confirmed: Array<string> = []

export const confirmDeposit = async (event: { data: { object: { id: string } } }): Promise<void> => {
  confirmed.push(event.data.object.id)
}
