// Package live holds what `ftpcap live` needs around the packet source
// and the pipeline: the pcapng evidence writer with rotation (Recorder),
// the Prometheus metrics (Metrics), alert thresholds on capture time
// (Alerts), the verdict, alert and drop lines printed as they happen
// (Printer), the status line (StatusLine, Console) and the two-step
// shutdown on signals (Shutdown).
//
// Everything runs on capture time except what cmd drives with the wall
// clock (the status line's refresh and the capture's ticks); nothing here
// reads the clock itself.
package live
