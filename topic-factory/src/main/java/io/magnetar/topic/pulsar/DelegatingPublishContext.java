package io.magnetar.topic.pulsar;

import io.netty.buffer.ByteBuf;
import org.apache.pulsar.broker.service.Topic.PublishContext;

/** A producer's publish context whose completion is routed elsewhere; everything else is the producer's. */
abstract class DelegatingPublishContext implements PublishContext {
    protected final PublishContext delegate;

    DelegatingPublishContext(PublishContext delegate) {
        this.delegate = delegate;
    }

    @Override
    public String getProducerName() {
        return delegate.getProducerName();
    }

    @Override
    public long getSequenceId() {
        return delegate.getSequenceId();
    }

    @Override
    public void setOriginalProducerName(String originalProducerName) {
        delegate.setOriginalProducerName(originalProducerName);
    }

    @Override
    public void setOriginalSequenceId(long originalSequenceId) {
        delegate.setOriginalSequenceId(originalSequenceId);
    }

    @Override
    public String getOriginalProducerName() {
        return delegate.getOriginalProducerName();
    }

    @Override
    public long getOriginalSequenceId() {
        return delegate.getOriginalSequenceId();
    }

    @Override
    public void setMetadataFromEntryData(ByteBuf entryData) {
        delegate.setMetadataFromEntryData(entryData);
    }

    @Override
    public long getHighestSequenceId() {
        return delegate.getHighestSequenceId();
    }

    @Override
    public void setOriginalHighestSequenceId(long originalHighestSequenceId) {
        delegate.setOriginalHighestSequenceId(originalHighestSequenceId);
    }

    @Override
    public long getOriginalHighestSequenceId() {
        return delegate.getOriginalHighestSequenceId();
    }

    @Override
    public long getNumberOfMessages() {
        return delegate.getNumberOfMessages();
    }

    @Override
    public long getMsgSize() {
        return delegate.getMsgSize();
    }

    @Override
    public boolean isMarkerMessage() {
        return delegate.isMarkerMessage();
    }

    @Override
    public void setProperty(String propertyName, Object value) {
        delegate.setProperty(propertyName, value);
    }

    @Override
    public Object getProperty(String propertyName) {
        return delegate.getProperty(propertyName);
    }

    @Override
    public boolean isChunked() {
        return delegate.isChunked();
    }

    @Override
    public long getEntryTimestamp() {
        return delegate.getEntryTimestamp();
    }

    @Override
    public void setEntryTimestamp(long entryTimestamp) {
        delegate.setEntryTimestamp(entryTimestamp);
    }

    @Override
    public boolean supportsReplDedupByLidAndEid() {
        return delegate.supportsReplDedupByLidAndEid();
    }
}
