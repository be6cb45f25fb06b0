// Keeps the last bytes a pod's processes wrote, so a failing test can show them.
export class OutputBuffer {
  private chunks: string[] = [];
  private size = 0;

  constructor(private readonly limit = 256 * 1024) {}

  append(text: string): void {
    this.chunks.push(text);
    this.size += text.length;
    while (this.size > this.limit && this.chunks.length > 1) this.size -= this.chunks.shift()!.length;
    if (this.size > this.limit) {
      this.chunks[0] = this.chunks[0].slice(this.size - this.limit);
      this.size = this.limit;
    }
  }

  text(): string {
    return this.chunks.join('');
  }
}
